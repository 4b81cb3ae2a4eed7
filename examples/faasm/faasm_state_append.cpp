// Append-only state: clears the list, appends N fixed-size elements (ints 0, 10, 20, ...),
// reads the first N back and returns them as "0,10,20". N is the input (default 3). Reading
// appended state needs the count and the total size, so elements here have one size.
#include <faasm/faasm.h>
#include <faasm/input.h>

#include <string>
#include <vector>

static const char* kKey = "faasm_appended";

int main() {
  int n = faasm::getIntInput(3);
  if (n < 0 || n > 1000) return 1;

  faasmClearAppendedState(kKey);
  for (int i = 0; i < n; ++i) {
    int element = i * 10;
    faasmAppendState(kKey, reinterpret_cast<const uint8_t*>(&element), sizeof element);
  }

  std::vector<int> elements(static_cast<size_t>(n));
  faasmReadAppendedState(kKey, reinterpret_cast<uint8_t*>(elements.data()),
                         static_cast<long>(elements.size() * sizeof(int)), n);
  std::string out;
  for (int i = 0; i < n; ++i) out += (i > 0 ? "," : "") + std::to_string(elements[i]);
  faasm::setStringOutput(out);
  return 0;
}
