/* Faasm's shared-memory markup for its OpenMP threads, written for Wasmlet's SDK. A Wasmlet
 * Faaslet runs one thread, so nothing is shared with other threads and nothing needs reducing:
 * the markup compiles and does nothing (Faasm's host imports for it, __faasm_sm_*, are not
 * used). */
#ifndef FAASM_SHARED_MEM_H
#define FAASM_SHARED_MEM_H

/* Element types, as Faasm numbers them. */
#define FAASM_TYPE_RAW 0
#define FAASM_TYPE_BOOL 1
#define FAASM_TYPE_INT 2
#define FAASM_TYPE_DOUBLE 3
#define FAASM_TYPE_FLOAT 4

/* Reduction operations, as Faasm numbers them. */
#define FAASM_OP_OVERWRITE 0
#define FAASM_OP_SUM 1
#define FAASM_OP_PRODUCT 2
#define FAASM_OP_SUBTRACT 3
#define FAASM_OP_MAX 4
#define FAASM_OP_MIN 5

#define FAASM_REDUCE(var, type, op) ((void)&(var), (void)(type), (void)(op))
#define FAASM_SHARED_ARRAY(var, type, len) ((void)&(var), (void)(type), (void)(len))
#define FAASM_SHARED_VAR(var, type) ((void)&(var), (void)(type))

#endif
