#include "server/metrics_text.h"

#include <fmt/format.h>

#include <iterator>

namespace wasmlet::server {

namespace {

using Out = std::back_insert_iterator<std::string>;

// Label values escape backslash, double quote and newline.
std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void family(Out out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(out, "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// `labels` is empty or `name="value",` pairs ending in a comma, ready for "le".
void histogram(Out out, std::string_view name, const std::string& labels,
               const runtime::Histogram& h) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < runtime::kLatencyBuckets.size(); ++i) {
    cumulative += h.buckets[i];
    fmt::format_to(out, "{}_bucket{{{}le=\"{}\"}} {}\n", name, labels, runtime::kLatencyBuckets[i],
                   cumulative);
  }
  fmt::format_to(out, "{}_bucket{{{}le=\"+Inf\"}} {}\n", name, labels, h.count);
  std::string plain = labels.empty() ? "" : "{" + labels.substr(0, labels.size() - 1) + "}";
  fmt::format_to(out, "{}_sum{} {}\n", name, plain, h.sum);
  fmt::format_to(out, "{}_count{} {}\n", name, plain, h.count);
}

void scalar(Out out, std::string_view name, std::string_view type, std::string_view help,
            uint64_t value) {
  family(out, name, type, help);
  fmt::format_to(out, "{} {}\n", name, value);
}

}  // namespace

std::string render_metrics(const runtime::MetricsSnapshot& m) {
  std::string text;
  Out out(text);

  family(out, "wasmlet_invocations_total", "counter",
         "Finished function calls by function and outcome.");
  for (const auto& [key, count] : m.invocations) {
    fmt::format_to(out, "wasmlet_invocations_total{{function=\"{}\",outcome=\"{}\"}} {}\n",
                   escape_label(key.first), escape_label(key.second), count);
  }

  family(out, "wasmlet_invocation_duration_seconds", "histogram",
         "Call latency from submission to result, per function.");
  for (const auto& [function, h] : m.latency) {
    histogram(out, "wasmlet_invocation_duration_seconds",
              fmt::format("function=\"{}\",", escape_label(function)), h);
  }

  family(out, "wasmlet_compile_duration_seconds", "histogram",
         "Time spent compiling uploaded modules to native code.");
  histogram(out, "wasmlet_compile_duration_seconds", "", m.compile_seconds);

  scalar(out, "wasmlet_faaslet_restores_total", "counter",
         "Faaslets created by restoring a Proto-Faaslet snapshot.", m.restores);
  scalar(out, "wasmlet_snapshots_total", "counter", "Proto-Faaslet snapshots taken.", m.snapshots);
  scalar(out, "wasmlet_rejected_calls_total", "counter",
         "Calls refused because the run queue was full.", m.rejected);
  scalar(out, "wasmlet_inline_calls_total", "counter",
         "Short calls of warm functions run on the I/O thread that received them.", m.inline_calls);
  scalar(out, "wasmlet_handed_resets_total", "counter",
         "Faaslet resets handed to an idle executor after their call's result went out.",
         m.handed_resets);
  scalar(out, "wasmlet_queue_depth", "gauge", "Calls waiting for an executor.", m.queue_depth);
  scalar(out, "wasmlet_queue_bytes", "gauge", "Input bytes of the calls waiting for an executor.",
         m.queue_bytes);
  scalar(out, "wasmlet_running_calls", "gauge", "Calls running now.", m.running);
  scalar(out, "wasmlet_live_faaslets", "gauge", "Faaslets alive: idle in pools plus running.",
         m.live_faaslets);
  return text;
}

}  // namespace wasmlet::server
