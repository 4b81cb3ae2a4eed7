#pragma once
// The one exception type that crosses layer boundaries: a message a user can act on.
#include <stdexcept>
#include <string>

namespace wasmlet {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace wasmlet
