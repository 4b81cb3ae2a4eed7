#pragma once
// Packs a Python package directory into a tar archive for upload.
#include <filesystem>
#include <string>

namespace wasmlet::cli {

// The regular files and directories under `dir`, as an uncompressed tar with paths relative to
// `dir`. Leaves out __pycache__, hidden entries (.git, .venv, ...) and symbolic links (the
// server refuses links).
std::string tar_directory(const std::filesystem::path& dir);

}  // namespace wasmlet::cli
