// The benchmark report: `wasmlet bench` puts its results as JSON into #bench-data; this page
// turns them into a table of every cell and uPlot charts (latency CDFs, throughput against
// concurrency, cold against warm starts) and a timeline of each workflow cell's steps.
import "uplot/dist/uPlot.min.css";
import "./report.css";
import { render } from "preact";
import { html } from "htm/preact";
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

const COLORS = ["#1f6feb", "#d73a49", "#2da44e", "#bf8700", "#8250df", "#0a7d8c", "#cf5f00",
  "#6e7781", "#bf3989", "#116329"];

function readData() {
  const el = document.getElementById("bench-data");
  try {
    const data = JSON.parse(el.textContent);
    return data && data.wasmlet_bench === 1 ? data : null;
  } catch {
    return null;
  }
}

// The params whose values differ between cells: the others would only lengthen every label.
let varying = new Set();

function findVarying(cells) {
  const values = new Map();
  for (const c of cells) {
    for (const [k, v] of Object.entries(c.params || {})) {
      if (!values.has(k)) values.set(k, new Set());
      values.get(k).add(JSON.stringify(v));
    }
  }
  return new Set([...values].filter(([, v]) => v.size > 1).map(([k]) => k));
}

// "concurrency=10 start=warm" for the varying params not in `skip`.
function paramsLabel(params, skip = []) {
  return Object.keys(params || {})
    .filter((k) => varying.has(k) && !skip.includes(k))
    .sort()
    .map((k) => k + "=" + params[k])
    .join(" ");
}

function cellLabel(cell, skip) {
  const p = paramsLabel(cell.params, skip);
  return cell.target + (p ? " " + p : "");
}

function us(v) {
  if (v === null || v === undefined) return "";
  if (v >= 1e6) return (v / 1e6).toFixed(2) + " s";
  if (v >= 1e3) return (v / 1e3).toFixed(2) + " ms";
  return Math.round(v) + " us";
}

function Plot({ opts, data, testid }) {
  const box = useRef(null);
  useEffect(() => {
    const width = Math.max(360, box.current.clientWidth);
    const u = new uPlot({ width, height: 300, legend: { live: false }, ...opts }, data, box.current);
    return () => u.destroy();
  }, [opts, data]);
  return html`<div class="plot" ref=${box} data-testid=${testid}></div>`;
}

function CellTable({ cells }) {
  const keys = [...new Set(cells.flatMap((c) => Object.keys(c.params || {})))].sort();
  return html`<table data-testid="cells-table">
    <thead><tr>
      <th>target</th>${keys.map((k) => html`<th>${k}</th>`)}
      <th>requests</th><th>errors</th><th>duration</th><th>throughput</th>
      <th>p50</th><th>p90</th><th>p99</th><th>max</th><th>mean</th>
    </tr></thead>
    <tbody>
      ${cells.map((c) => {
        const l = c.latency_us || {};
        return html`<tr>
          <td>${c.target}</td>${keys.map((k) => html`<td>${(c.params || {})[k] ?? ""}</td>`)}
          <td class="n">${c.requests}</td><td class=${"n" + (c.errors ? " bad" : "")}>${c.errors}</td>
          <td class="n">${c.duration_s?.toFixed(2)} s</td>
          <td class="n">${c.throughput_rps?.toFixed(1)}/s</td>
          <td class="n">${us(l.p50)}</td><td class="n">${us(l.p90)}</td><td class="n">${us(l.p99)}</td>
          <td class="n">${us(l.max)}</td><td class="n">${us(l.mean)}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

// One line per cell; the cells' CDFs have their own latencies, so each is read as a step
// function on the union of them all.
function cdfPlot(cells) {
  const withCdf = cells.filter((c) => Array.isArray(c.cdf) && c.cdf.length > 0);
  if (withCdf.length === 0) return null;
  const xs = [...new Set(withCdf.flatMap((c) => c.cdf.map((p) => Math.max(1, p[0]))))].sort((a, b) => a - b);
  const ys = withCdf.map((c) => {
    const pts = c.cdf.slice().sort((a, b) => a[0] - b[0]);
    let j = -1;
    return xs.map((x) => {
      while (j + 1 < pts.length && Math.max(1, pts[j + 1][0]) <= x) j++;
      return j < 0 ? null : pts[j][1];
    });
  });
  return {
    opts: {
      scales: { x: { time: false, distr: 3 }, y: { range: [0, 1] } },
      axes: [{ label: "latency", values: (u, v) => v.map(us) }, { label: "fraction of calls" }],
      series: [{ label: "latency", value: (u, v) => us(v) }].concat(
        withCdf.map((c, i) => ({ label: cellLabel(c), stroke: COLORS[i % COLORS.length], width: 1.5,
          spanGaps: true, paths: uPlot.paths.stepped({ align: 1 }) })),
      ),
    },
    data: [xs, ...ys],
  };
}

// One line per target and combination of the other params, throughput against concurrency.
function throughputPlot(cells) {
  const usable = cells.filter((c) => c.params && c.params.concurrency !== undefined);
  if (usable.length === 0) return null;
  const xs = [...new Set(usable.map((c) => Number(c.params.concurrency)))].sort((a, b) => a - b);
  const lines = new Map();
  for (const c of usable) {
    const label = cellLabel(c, ["concurrency"]);
    if (!lines.has(label)) lines.set(label, new Array(xs.length).fill(null));
    lines.get(label)[xs.indexOf(Number(c.params.concurrency))] = c.throughput_rps;
  }
  return {
    opts: {
      scales: { x: { time: false } },
      axes: [{ label: "concurrency" }, { label: "requests per second", size: 70 }],
      series: [{ label: "concurrency" }].concat(
        [...lines.keys()].map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 1.5,
          spanGaps: true, points: { show: true } })),
      ),
    },
    data: [xs, ...lines.values()],
  };
}

// Cells that differ only in start=cold|warm, side by side.
function coldWarm(cells) {
  const groups = new Map();
  for (const c of cells) {
    const start = c.params && c.params.start;
    if (start !== "cold" && start !== "warm") continue;
    const label = cellLabel(c, ["start"]);
    if (!groups.has(label)) groups.set(label, {});
    groups.get(label)[start] = c.latency_us || {};
  }
  return [...groups.entries()].filter(([, g]) => g.cold && g.warm);
}

function coldWarmPlot(pairs) {
  if (pairs.length === 0) return null;
  const xs = pairs.map((_, i) => i + 1);
  const pick = (start, q) => pairs.map(([, g]) => g[start][q] ?? null);
  const dots = (label, stroke) => ({ label, stroke, width: 0, points: { show: true, size: 9, fill: stroke },
    value: (u, v) => us(v) });
  return {
    opts: {
      scales: { x: { time: false, range: [0.5, pairs.length + 0.5] }, y: { distr: 3 } },
      axes: [
        { label: "cell", splits: () => xs, values: (u, v) => v.map((x) => (Number.isInteger(x) ? "#" + x : "")) },
        { label: "latency", values: (u, v) => v.map(us), size: 70 },
      ],
      series: [{ label: "cell" }, dots("warm p50", COLORS[0]), dots("warm p99", COLORS[5]),
        dots("cold p50", COLORS[1]), dots("cold p99", COLORS[3])],
    },
    data: [xs, pick("warm", "p50"), pick("warm", "p99"), pick("cold", "p50"), pick("cold", "p99")],
  };
}

function Gantt({ cell }) {
  const steps = cell.steps;
  const end = Math.max(1, ...steps.map((s) => s.end_us));
  const place = (s) => (el) => {
    if (!el) return;
    el.style.marginLeft = (100 * s.start_us) / end + "%";
    el.style.width = Math.max(0.3, (100 * (s.end_us - s.start_us)) / end) + "%";
  };
  return html`<div class="gantt" data-testid="gantt">
    <h3>${cellLabel(cell)}</h3>
    ${steps.map(
      (s) => html`<div class="gantt-row">
        <span class="gantt-name">${s.name}</span>
        <div class="gantt-track"><div class="gantt-bar" ref=${place(s)} title=${us(s.start_us) + " – " + us(s.end_us)} /></div>
        <span class="gantt-time">${us(s.end_us - s.start_us)}</span>
      </div>`,
    )}
  </div>`;
}

function Report({ data }) {
  const cells = data.cells || [];
  varying = findVarying(cells);
  const cdf = cdfPlot(cells);
  const tput = throughputPlot(cells);
  const pairs = coldWarm(cells);
  const cw = coldWarmPlot(pairs);
  const workflows = cells.filter((c) => Array.isArray(c.steps) && c.steps.length > 0);
  return html`<h1>${data.title || "Benchmark"}</h1>
    <p class="muted">started ${data.started_at}</p>
    <h2>Targets</h2>
    <table><thead><tr><th>name</th><th>kind</th><th>endpoint</th></tr></thead>
      <tbody>${(data.targets || []).map((t) => html`<tr><td>${t.name}</td><td>${t.kind}</td><td>${t.endpoint}</td></tr>`)}</tbody>
    </table>
    ${data.config && html`<details><summary>Configuration</summary><pre>${JSON.stringify(data.config, null, 2)}</pre></details>`}
    <h2>Cells</h2>
    <${CellTable} cells=${cells} />
    ${cdf && html`<h2>Latency CDF</h2><${Plot} testid="plot-cdf" ...${cdf} />`}
    ${tput && html`<h2>Throughput against concurrency</h2><${Plot} testid="plot-throughput" ...${tput} />`}
    ${cw && html`<h2>Cold against warm starts</h2>
      <${Plot} testid="plot-coldwarm" ...${cw} />
      <table><thead><tr><th>#</th><th>cell</th><th>warm p50</th><th>cold p50</th><th>warm p99</th><th>cold p99</th></tr></thead>
        <tbody>${pairs.map(([label, g], i) => html`<tr><td>${i + 1}</td><td>${label}</td>
          <td class="n">${us(g.warm.p50)}</td><td class="n">${us(g.cold.p50)}</td>
          <td class="n">${us(g.warm.p99)}</td><td class="n">${us(g.cold.p99)}</td></tr>`)}</tbody>
      </table>`}
    ${workflows.length > 0 && html`<h2>Workflow steps</h2>${workflows.map((c) => html`<${Gantt} cell=${c} />`)}`}`;
}

const data = readData();
render(
  data ? html`<${Report} data=${data} />` : html`<p>No benchmark data in this page.</p>`,
  document.getElementById("report"),
);
