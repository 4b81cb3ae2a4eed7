#pragma once
// `wasmlet flask ...`: the Flask adapter is Python (it imports the app with real Flask), so this
// command runs `python3 -m wasmlet_flask` (or $WASMLET_PYTHON's) with the SDK's Python packages
// on its path.
#include <string>
#include <vector>

namespace wasmlet::cli {

// Replaces this process; returns only when python3 cannot be started.
int flask_main(const std::vector<std::string>& args);

}  // namespace wasmlet::cli
