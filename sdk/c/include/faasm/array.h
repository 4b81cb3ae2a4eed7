/* Faasm's AsyncArray (namespace faasm): a typed array kept in state, read and written in place
 * through the value's mapping. Written for Wasmlet's SDK. */
#ifndef FAASM_ARRAY_H
#define FAASM_ARRAY_H

#include <stddef.h>

#include "faasm/core.h"
#include "faasm/state.h"

namespace faasm {

template <typename T>
class AsyncArray {
 public:
  AsyncArray(const char* key, size_t nElems)
      : key_(key), nElems_(nElems), bytes_(static_cast<long>(nElems * sizeof(T))) {}

  /* Zeroes the value everywhere, then maps it. */
  void zero() {
    zeroState(key_, static_cast<size_t>(bytes_));
    pullLazy();
  }

  /* Element idx; it is flagged dirty, since the caller may write through the reference. */
  T& operator[](size_t idx) {
    faasmFlagStateOffsetDirty(key_, bytes_, static_cast<long>(idx * sizeof(T)),
                              static_cast<long>(sizeof(T)));
    return contents_[idx];
  }

  /* Maps the local copy without fetching it from the global tier. */
  void pullLazy() { contents_ = reinterpret_cast<T*>(faasmReadStatePtr(key_, bytes_)); }

  /* Fetches the global value, then maps it. */
  void pull() {
    faasmPullState(key_, bytes_);
    pullLazy();
  }

  /* Sends the elements flagged dirty to the global tier. */
  void push() { faasmPushStatePartial(key_); }

  T* data() { return contents_; }
  size_t size() const { return nElems_; }

 private:
  const char* key_;
  size_t nElems_;
  long bytes_;
  T* contents_ = nullptr;
};

}  // namespace faasm

#endif
