#pragma once
// The runtime's metrics in the Prometheus text exposition format, version 0.0.4.
#include <string>
#include <string_view>

#include "runtime/metrics.h"

namespace wasmlet::server {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

std::string render_metrics(const runtime::MetricsSnapshot& metrics);

}  // namespace wasmlet::server
