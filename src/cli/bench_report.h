#pragma once
// What `wasmlet bench` writes: the results as CSV, and the HTML report (a template with the
// results JSON pasted into it). The schema is in docs/bench-tool.md.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace wasmlet::cli {

// Where a report template takes the results, inside
// <script type="application/json" id="bench-data">.
inline constexpr std::string_view kBenchDataPlaceholder = "__WASMLET_BENCH_DATA__";

// `results` as JSON that can sit inside a <script> element: every '<' is written \u003c, so
// that no "</script>" or "<!--" can end or change it.
std::string script_safe_json(const nlohmann::json& results);

// The template with its (first) placeholder replaced by script_safe_json(results). Throws
// Error when the template has no placeholder.
std::string render_report(std::string_view html_template, const nlohmann::json& results);

// One header line, then one row per cell: target, kind, the matrix parameters any cell has,
// then requests, errors, duration_s, throughput_rps and the latency figures in microseconds.
std::string results_csv(const nlohmann::json& results);

}  // namespace wasmlet::cli
