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

}  // namespace wasmlet::cli
