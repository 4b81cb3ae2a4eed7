// Bundles the console and the benchmark report page with esbuild:
//   node build.mjs OUTDIR [--sample DATA.json SAMPLE.html]
// OUTDIR/console/{index.html,favicon.svg,app.js,app.css} are served by `wasmlet serve` at /console/;
// OUTDIR/report/report.html is one self-contained page (script and style inlined), the template
// `wasmlet bench` fills in. --sample also writes the report filled with DATA.json, for working
// on the report page in a browser. The build copies this script next to the node_modules it
// installs (in the build tree) and names the sources with WASMLET_WEB_SOURCE.
import { build } from "esbuild";
import { mkdir, readFile, writeFile, copyFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const source = process.env.WASMLET_WEB_SOURCE || here;
const args = process.argv.slice(2);
if (args.length !== 1 && !(args.length === 4 && args[1] === "--sample")) {
  console.error("usage: node build.mjs OUTDIR [--sample DATA.json SAMPLE.html]");
  process.exit(2);
}
const outdir = path.resolve(args[0]);
const common = {
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  legalComments: "none",
  logLevel: "warning",
  nodePaths: [path.join(here, "node_modules")],
};

await mkdir(path.join(outdir, "console"), { recursive: true });
await build({
  ...common,
  entryPoints: { app: path.join(source, "src/console/main.js") },
  outdir: path.join(outdir, "console"),
});
for (const file of ["index.html", "favicon.svg"]) {
  await copyFile(path.join(source, "src/console", file), path.join(outdir, "console", file));
}

// The report: bundled in memory, then inlined. "</" in the code would end the element early, so
// it is written "<\/", which means the same inside strings and regular expressions.
const report = await build({
  ...common,
  entryPoints: { report: path.join(source, "src/report/report.js") },
  outdir: "/report",
  write: false,
});
const out = (ext) => report.outputFiles.find((f) => f.path.endsWith(ext)).text;
const js = out(".js").replaceAll("</", "<\\/");
const css = out(".css").replaceAll("</", "<\\/");
const template = await readFile(path.join(source, "src/report/report.html"), "utf8");
// Functions as replacements: "$" in the code must stay as it is.
const page = template.replace("/*STYLE*/", () => css).replace("/*SCRIPT*/", () => js);
await mkdir(path.join(outdir, "report"), { recursive: true });
await writeFile(path.join(outdir, "report/report.html"), page);

if (args.length === 4) {
  const data = (await readFile(args[2], "utf8")).replaceAll("<", "\\u003c");
  await writeFile(args[3], page.replace("__WASMLET_BENCH_DATA__", () => data));
}
