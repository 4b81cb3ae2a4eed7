// Exercises Faasm's convenience headers as Faasm functions use them: typed and string input,
// array comparison, time, randomness and files. Input: space-separated integers, e.g.
// "3 1 2"; output one "name=ok|FAILED" word per check, e.g. "parse=ok compare=ok ...".
#include <faasm/compare.h>
#include <faasm/faasm.h>
#include <faasm/files.h>
#include <faasm/input.h>
#include <faasm/random.h>
#include <faasm/time.h>

#include <string.h>

#include <string>

static std::string verdict(const char* name, bool ok) {
  return std::string(name) + (ok ? "=ok " : "=FAILED ");
}

int main() {
  std::string out;

  // Input: parsed as ints; the first one also through getIntInput.
  const char* in = faasm::getStringInput("3 1 2");
  int* parsed = faasm::parseStringToIntArray(in, 3);
  int expected[3] = {3, 1, 2};
  out += verdict("parse", faasm::compareArrays(parsed, expected, 3));
  out += verdict("int", faasm::getIntInput(-1) == 3);
  delete[] parsed;

  // Comparison: a mismatch is reported (on stdout) and returns false; near-equal floats pass.
  int other[3] = {3, 1, 4};
  double x[2] = {0.1 + 0.2, 1.0};
  double y[2] = {0.3, 1.0};
  out += verdict("compare", !faasm::compareArrays(expected, other, 3) &&
                                faasm::compareArraysNear(x, y, 2, 1e-12));

  // Time: the clock is past 2020-01-01 and does not run backwards.
  double t0 = faasm::getSecondsSinceEpoch();
  long m0 = faasm::getMillisSinceEpoch();
  long m1 = faasm::getMillisSinceEpoch();
  out += verdict("time", t0 > 1577836800.0 && m1 - m0 >= 0);

  // Randomness: values stay in range; a 32-character string is all from the alphabet.
  bool inRange = true;
  for (int i = 0; i < 100; ++i) {
    int r = faasm::randomInteger(5, 7);
    float f = faasm::randomFloat();
    inRange = inRange && r >= 5 && r <= 7 && f >= 0.0f && f < 1.0f;
  }
  int* perm = faasm::randomIntRange(10);
  int seen = 0;
  for (int i = 0; i < 10; ++i) seen |= 1 << perm[i];
  delete[] perm;
  std::string s = faasm::randomString(32);
  out += verdict("random", inRange && seen == 0x3ff && s.size() == 32 &&
                               s.find_first_not_of("123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") ==
                                   std::string::npos);

  // Files: a file written to the scratch /tmp reads back whole, as a string and as bytes.
  const char* text = "line one\nline two\n";
  bool wrote = faasm::writeBytesToFile("/tmp/helpers.txt", reinterpret_cast<const uint8_t*>(text),
                                       strlen(text));
  char* back = faasm::readFileToString("/tmp/helpers.txt");
  bool readOk = false;
  std::vector<uint8_t> bytes = faasm::readFileToBytes("/tmp/helpers.txt", &readOk);
  out += verdict("files", wrote && back != nullptr && strcmp(back, text) == 0 &&
                              faasm::getFileLength("/tmp/helpers.txt") == static_cast<long>(strlen(text)) &&
                              readOk && bytes.size() == strlen(text) &&
                              faasm::readFileToString("/tmp/missing") == nullptr &&
                              faasm::getFileLength("/tmp/missing") == -1);
  free(back);

  out.pop_back();  // the last space
  faasm::setStringOutput(out);
  return 0;
}
