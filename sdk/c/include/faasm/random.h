/* Faasm's random helpers (namespace faasm), with libfaasm's names. Written for Wasmlet's SDK.
 *
 * Each helper seeds a fresh generator from getentropy (WASI random_get) instead of keeping one
 * in a static: a Faaslet restores its snapshot after every call, so a static generator seeded
 * once (in a constructor or zygote) would repeat the same numbers in every call. */
#ifndef FAASM_RANDOM_H
#define FAASM_RANDOM_H

#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <string>

namespace faasm {

/* A Mersenne twister seeded with 256 bits from the host's entropy. */
inline std::mt19937 freshRandomGenerator() {
  uint32_t seed[8] = {};
  (void)getentropy(seed, sizeof seed);  // cannot fail for <= 256 bytes under WASI
  std::seed_seq seq(seed, seed + 8);
  return std::mt19937(seq);
}

/* A uniform integer in [iStart, iEnd], both ends included. */
inline int randomInteger(int iStart, int iEnd) {
  std::mt19937 rng = freshRandomGenerator();
  return std::uniform_int_distribution<int>(iStart, iEnd)(rng);
}

/* A uniform float in [0, 1). */
inline float randomFloat() {
  std::mt19937 rng = freshRandomGenerator();
  return std::uniform_real_distribution<float>(0.0f, 1.0f)(rng);
}

/* Shuffles the array in place (every order equally likely). */
inline void shuffleArray(int* arrayIn, size_t arrayLen) {
  std::mt19937 rng = freshRandomGenerator();
  std::shuffle(arrayIn, arrayIn + arrayLen, rng);
}

/* 0 .. rangeLen-1 in random order, in a new int[] the caller may delete[]. */
inline int* randomIntRange(int rangeLen) {
  size_t n = rangeLen > 0 ? static_cast<size_t>(rangeLen) : 0;
  int* range = new int[n > 0 ? n : 1];
  for (size_t i = 0; i < n; ++i) range[i] = static_cast<int>(i);
  shuffleArray(range, n);
  return range;
}

/* `len` random characters from [1-9A-Za-z]. */
inline std::string randomString(int len) {
  static const char alphabet[] = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::mt19937 rng = freshRandomGenerator();
  std::uniform_int_distribution<size_t> pick(0, sizeof alphabet - 2);  // not the NUL
  std::string s;
  for (int i = 0; i < len; ++i) s.push_back(alphabet[pick(rng)]);
  return s;
}

}  // namespace faasm

#endif
