#include "cli/bench_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

#include "util/error.h"

namespace wasmlet::cli {

using nlohmann::json;

std::string script_safe_json(const json& results) {
  std::string text = results.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  // '<' only ever appears inside JSON strings, where \u003c means the same character.
  for (char c : text) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

std::string render_report(std::string_view html_template, const json& results) {
  size_t at = html_template.find(kBenchDataPlaceholder);
  if (at == std::string_view::npos) {
    throw Error(fmt::format("the report template has no {} placeholder", kBenchDataPlaceholder));
  }
  std::string out(html_template.substr(0, at));
  out += script_safe_json(results);
  out += html_template.substr(at + kBenchDataPlaceholder.size());
  return out;
}

namespace {

std::string csv_field(const json& v) {
  std::string s;
  if (v.is_null())
    return "";
  else if (v.is_string())
    s = v.get<std::string>();
  else
    s = v.dump();
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace

std::string results_csv(const json& results) {
  std::vector<std::string> params;
  const json cells = results.value("cells", json::array());
  for (const auto& cell : cells) {
    const json cell_params = cell.value("params", json::object());
    for (const auto& item : cell_params.items()) {
      if (std::find(params.begin(), params.end(), item.key()) == params.end())
        params.push_back(item.key());
    }
  }
  json kinds = json::object();
  for (const auto& t : results.value("targets", json::array()))
    kinds[t.value("name", "")] = t.value("kind", "");

  static constexpr std::array<const char*, 5> kLatency{"p50", "p90", "p99", "max", "mean"};
  std::string out = "target,kind";
  auto add = [&out](const json& v) {
    out += ',';
    out += csv_field(v);
  };
  for (const auto& p : params) add(p);
  out += ",requests,errors,duration_s,throughput_rps";
  for (const char* l : kLatency) out += fmt::format(",{}_us", l);
  out += '\n';
  for (const auto& cell : cells) {
    std::string target = cell.value("target", "");
    out += csv_field(target);
    add(kinds.value(target, ""));
    json cell_params = cell.value("params", json::object());
    for (const auto& p : params) add(cell_params.value(p, json()));
    for (const char* key : {"requests", "errors", "duration_s", "throughput_rps"})
      add(cell.value(key, json()));
    json latency = cell.value("latency_us", json::object());
    for (const char* l : kLatency) add(latency.value(l, json()));
    out += '\n';
  }
  return out;
}

const std::string_view kPlainReportTemplate = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>wasmlet bench</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #999; padding: 0.2em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
</style>
</head>
<body>
<h1 id="title">wasmlet bench</h1>
<p id="started"></p>
<table id="cells"><thead></thead><tbody></tbody></table>
<h2>Data</h2>
<pre id="raw"></pre>
<script type="application/json" id="bench-data">__WASMLET_BENCH_DATA__</script>
<script>
"use strict";
const data = JSON.parse(document.getElementById("bench-data").textContent);
document.getElementById("title").textContent = data.title;
document.title = data.title;
document.getElementById("started").textContent = "started " + data.started_at;
const keys = [];
for (const c of data.cells) for (const k of Object.keys(c.params)) if (!keys.includes(k)) keys.push(k);
const lat = ["p50", "p90", "p99", "max", "mean"];
const head = ["target", ...keys, "requests", "errors", "rps", ...lat.map(l => l + " us")];
const tr = document.createElement("tr");
for (const h of head) { const th = document.createElement("th"); th.textContent = h; tr.appendChild(th); }
document.querySelector("#cells thead").appendChild(tr);
for (const c of data.cells) {
  const row = [c.target, ...keys.map(k => c.params[k] ?? ""), c.requests, c.errors,
               c.throughput_rps.toFixed(1), ...lat.map(l => c.latency_us[l].toFixed(0))];
  const r = document.createElement("tr");
  for (const v of row) { const td = document.createElement("td"); td.textContent = v; r.appendChild(td); }
  document.querySelector("#cells tbody").appendChild(r);
}
document.getElementById("raw").textContent = JSON.stringify(data, null, 1);
</script>
</body>
</html>
)html";

}  // namespace wasmlet::cli
