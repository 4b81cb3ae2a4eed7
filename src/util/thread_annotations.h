#pragma once
// Clang's thread-safety attributes (-Wthread-safety): which mutex guards which data, which
// functions need it held. They expand to nothing for other compilers; the check runs as the
// ctest `thread_safety` (tests/thread_safety/), which compiles the annotated layers with clang.
#if defined(__clang__)
#define WASMLET_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define WASMLET_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) WASMLET_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY WASMLET_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) WASMLET_THREAD_ANNOTATION(guarded_by(x))
#define REQUIRES(...) WASMLET_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) WASMLET_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) WASMLET_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
// For a read the analysis cannot see is safe (an atomic member of a guarded object).
#define NO_THREAD_SAFETY_ANALYSIS WASMLET_THREAD_ANNOTATION(no_thread_safety_analysis)
