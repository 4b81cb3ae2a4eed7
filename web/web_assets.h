#pragma once
// The web console and the benchmark report page, compiled into the binary (web/, built with
// esbuild; web/embed_assets.py writes the table).
#include <string_view>

namespace wasmlet::web {

struct Asset {
  std::string_view path;  // "console/index.html", "console/app.js", "report/report.html", ...
  std::string_view content_type;
  std::string_view body;
  std::string_view etag;  // a strong validator, quoted as in the ETag header
};

// The asset at `path`, or nullptr.
const Asset* find_asset(std::string_view path);

}  // namespace wasmlet::web
