/* Faasm's memory.h exists for its WAMR backend, which shrinks the memory of a module that never
 * grows it; Wasmlet keeps every module's declared memory, so the header declares nothing. It is
 * here so that sources including it compile unchanged. */
#ifndef FAASM_MEMORY_H
#define FAASM_MEMORY_H
#endif
