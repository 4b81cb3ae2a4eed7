#pragma once
// Faasm's files (FsConfig::faasm_files), for the path_* and fd_* calls.
//
// The working directory "/" is an overlay: an upper layer in the Faaslet's scratch space over
// the read-only shared files. Reads look in the upper layer first, then in the shared files;
// creating or writing a file puts it in the upper layer (a shared file is copied up first, its
// parent directories made there as needed); a name the shared files hold cannot be removed or
// renamed away (EROFS), only shadowed. Both layers are reached with open_beneath only, so the
// confinement of capability_fs.h holds in each.
//
// faasm://<path> names the shared file itself (no overlay). Writing one goes to a temporary
// file beside it that replaces it atomically when the last descriptor closes (SharedWrite).
#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_context.h"
#include "host/wasi/capability_fs.h"
#include "host/wasi/wasi_state.h"

namespace wasmlet::host::wasi {

// `path` beneath an overlay directory whose own path is `base`, with "." and empty components
// dropped and ".." taken lexically: neither layer's walk follows a symlink (the upper layer
// holds none, making parents and copying up refuse them), so this names what the kernel would.
// Climbing above the root is NOTCAPABLE. The result is "" for the root itself.
Errno overlay_normalize(std::string_view base, std::string_view path, std::string& out);

enum class Layer : uint8_t { None, Upper, Lower };
// The layer that holds `path` (normalized), the upper first, and its stat; `follow` follows a
// final symlink (beneath the layer).
Errno overlay_find(const WasiState& w, const std::string& path, bool follow, Layer& layer,
                   struct stat& st);

// EROFS when the shared files hold `path`: such a name is not the guest's to remove or rename.
Errno overlay_check_removable(const WasiState& w, const std::string& path);

// The parent directory of `path` in the upper layer (made there first, as in the shared files,
// when `make_parents`) and the final name, for an operation that changes the upper layer.
Errno overlay_parent(WasiState& w, const std::string& path, bool make_parents, ParentDir& out);

// Opens `path` in the upper layer for writing with `flags`: a file only the shared files hold
// is copied up first (unless truncated), a missing one created (with O_CREAT). Charges the
// scratch budget for what it creates.
Errno overlay_open_for_writing(WasiState& w, const std::string& path, int flags,
                               util::UniqueFd& out);

// Opens faasm://`path` (normalized) for writing: a temporary file beside it, holding its bytes
// unless O_TRUNC, that `out_write` publishes.
Errno shared_open_for_writing(WasiState& w, const std::string& path, int flags, util::UniqueFd& out,
                              std::shared_ptr<SharedWrite>& out_write);

// Opens an existing file of the scratch space beneath `dir` (O_CREAT ignored); O_TRUNC gives
// its bytes back to the scratch budget.
Errno open_existing_counted(WasiState& w, int dir, const std::string& path, int flags,
                            util::UniqueFd& out);

// Opens or creates `path` beneath `dir` with `flags` (O_CREAT among them), charging the
// scratch budget a file only when the call made it.
Errno create_counted(WasiState& w, int dir, const std::string& path, int flags,
                     util::UniqueFd& out);

// Before a write, truncation or allocation of `e` to `new_end` bytes: the scratch budget pays
// for the growth (EDQUOT), a faasm:// file stays within its size bound (EFBIG).
Errno charge_growth(WasiState& w, const FdEntry& e, uint64_t new_end);

// After `name` in `dir` was replaced or removed: what it held (`before`, from before) is given
// back to the scratch budget unless the guest still has it open.
void credit_removed(WasiState& w, const struct stat& before);

// The entries of an overlay directory: the upper layer's, then the shared files' not shadowed.
struct ListedEntry {
  std::string name;
  uint64_t ino;
  uint8_t type;  // WASI filetype
};
Errno overlay_list(const WasiState& w, const std::string& path, std::vector<ListedEntry>& out);

}  // namespace wasmlet::host::wasi
