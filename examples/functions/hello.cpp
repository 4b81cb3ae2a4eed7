// Greets each comma-separated name in its input, in sorted order (std::string, std::vector).
#include <algorithm>
#include <string>
#include <vector>

#include <faasm/faasm.h>

int main() {
  std::string input = faasm::getStringInput("world");
  std::vector<std::string> names;
  size_t start = 0;
  for (;;) {
    size_t comma = input.find(',', start);
    names.push_back(input.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += "Hello, " + n + "!\n";
  faasm::setStringOutput(out);
  return 0;
}
