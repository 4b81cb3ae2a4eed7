#pragma once
// A number for the calling thread that no other thread of the process ever gets (thread ids are
// reused once a thread ends): for remembering which thread last did something.
#include <cstdint>

namespace wasmlet::util {

uint64_t this_thread_serial();

}  // namespace wasmlet::util
