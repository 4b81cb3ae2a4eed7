/* calloc without zeroing what memory.grow just made: linked into every program `wasmlet cc`
 * links, through -Wl,--wrap=calloc.
 *
 * wasi-libc's dlmalloc clears every calloc'd block with memset, because it cannot tell fresh
 * memory from reused memory (it has no mmap, whose pages it knows to be zero). WebAssembly
 * defines the pages memory.grow adds as zero, so a block that lies above the memory's size at
 * the moment calloc was called is zero already: it did not exist before this call, and during
 * the call only dlmalloc ran, which writes its chunk headers outside the block it returns (the
 * block's own header below it, the rest of the top chunk's header after it). Only the part of
 * the block below that old size, memory that may have been used and freed, is cleared.
 *
 * The fast path is taken only when the allocator is wasi-libc's dlmalloc (its __libc_malloc is
 * linked). A program with an allocator of its own, whose malloc might write into fresh memory,
 * gets the real calloc, unchanged. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

void* __real_calloc(size_t count, size_t size);
/* Defined by wasi-libc's dlmalloc.o; weak, so that this reference never links it in. */
extern void* __libc_malloc(size_t size) __attribute__((weak));

void* __wrap_calloc(size_t count, size_t size) {
  if (!__libc_malloc) return __real_calloc(count, size);
  size_t bytes;
  /* Overflow: ask for the impossible, so malloc fails with ENOMEM as dlmalloc's calloc does. */
  if (__builtin_mul_overflow(count, size, &bytes)) bytes = SIZE_MAX;
  const uint64_t fresh_from = (uint64_t)__builtin_wasm_memory_size(0) * 65536u;
  char* block = (char*)__libc_malloc(bytes);
  if (!block) return block;
  const uint64_t start = (uintptr_t)block;
  const uint64_t end = start + bytes;
  if (end <= fresh_from) {
    memset(block, 0, bytes);
  } else if (start < fresh_from) {
    memset(block, 0, (size_t)(fresh_from - start));
  }
  return block;
}

#ifdef __cplusplus
}
#endif
