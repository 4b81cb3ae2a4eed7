/* Faasm's file helpers (namespace faasm), with libfaasm's names, plus two Wasmlet additions
 * for binary data. Written for Wasmlet's SDK. Paths are WASI paths: the function's own files
 * and its scratch /tmp (see docs/wasi.md). */
#ifndef FAASM_FILES_H
#define FAASM_FILES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <vector>

namespace faasm {

/* The file's size in bytes, or -1 when it cannot be opened. */
inline long getFileLength(const char* path) {
  struct stat s;
  if (stat(path, &s) != 0) return -1;
  return static_cast<long>(s.st_size);
}

/* The whole file in a new NUL-terminated buffer (malloc'd; the caller may free it), or
 * nullptr when it cannot be read or is empty (as in Faasm). */
inline char* readFileToString(const char* path) {
  FILE* f = fopen(path, "rb");
  if (f == nullptr) return nullptr;
  long length = getFileLength(path);
  char* buffer = length > 0 ? static_cast<char*>(malloc(static_cast<size_t>(length) + 1)) : nullptr;
  size_t got = 0;
  if (buffer != nullptr) {
    got = fread(buffer, 1, static_cast<size_t>(length), f);
    buffer[got] = '\0';
  }
  fclose(f);
  if (got == 0) {
    free(buffer);
    return nullptr;
  }
  return buffer;
}

/* Wasmlet addition: the whole file as bytes; *ok (when given) says whether it could be read. */
inline std::vector<uint8_t> readFileToBytes(const char* path, bool* ok = nullptr) {
  std::vector<uint8_t> bytes;
  FILE* f = fopen(path, "rb");
  if (ok != nullptr) *ok = f != nullptr;
  if (f == nullptr) return bytes;
  uint8_t chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) bytes.insert(bytes.end(), chunk, chunk + n);
  if (ferror(f) && ok != nullptr) *ok = false;
  fclose(f);
  return bytes;
}

/* Wasmlet addition: creates or replaces the file with `len` bytes of data; false on failure. */
inline bool writeBytesToFile(const char* path, const uint8_t* data, size_t len) {
  FILE* f = fopen(path, "wb");
  if (f == nullptr) return false;
  bool ok = fwrite(data, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

}  // namespace faasm

#endif
