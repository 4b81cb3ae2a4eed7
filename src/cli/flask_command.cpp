#include "cli/flask_command.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace wasmlet::cli {

int flask_main(const std::vector<std::string>& args) {
  // WASMLET_SDK_PYTHON points an installed copy elsewhere; the default is this source tree.
  const char* sdk = std::getenv("WASMLET_SDK_PYTHON");
  std::string root = sdk != nullptr ? sdk : WASMLET_SDK_PYTHON_DIR;
  std::string path = root + "/host:" + root + "/guest";
  if (const char* old = std::getenv("PYTHONPATH"); old != nullptr && *old != '\0') {
    path += ":" + std::string(old);
  }
  ::setenv("PYTHONPATH", path.c_str(), 1);
  // The Python that can import the app (a virtualenv's, say): WASMLET_PYTHON, else python3.
  const char* python = std::getenv("WASMLET_PYTHON");
  std::string interpreter = python != nullptr && *python != '\0' ? python : "python3";
  std::vector<std::string> argv_storage = {interpreter, "-m", "wasmlet_flask"};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_storage.size() + 1);
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execvp(interpreter.c_str(), argv.data());
  std::cerr << "wasmlet flask: cannot run " << interpreter << ": " << std::strerror(errno) << "\n";
  return 127;
}

}  // namespace wasmlet::cli
