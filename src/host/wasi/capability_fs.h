#pragma once
// Path resolution confined by the kernel. A guest path is always resolved relative to a
// directory fd with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): absolute paths, `..`
// above the directory and symlinks that point outside it fail inside the kernel, with no
// check-then-use window. Operations that have no openat2 form run on an O_PATH fd of the
// parent directory (itself opened with openat2) and a single final component.
#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "host/wasi/wasi_abi.h"
#include "host/wasi/wasi_errno.h"
#include "util/files.h"

namespace wasmlet::host::wasi {

// A path as the guest sent it, checked for what a C string cannot carry (an embedded NUL).
Errno guest_path(std::string_view raw, std::string& out);

// The preopened directory a guest path names a file in: the longest of `names` (guest paths
// of preopens, "/" or "/tmp"; empty ones are skipped) that is a prefix of `path` ending at a
// component boundary. `rest` is the path beneath it without leading slashes, to be opened with
// open_beneath (which refuses what `..` or symbolic links would lead out of it).
struct PreopenMatch {
  size_t index = 0;
  std::string rest;
};
std::optional<PreopenMatch> match_preopen(std::span<const std::string_view> names,
                                          std::string_view path);

// openat2(dirfd, path, flags, mode) confined beneath dirfd. O_CLOEXEC is always added; an
// escape attempt reports NOTCAPABLE.
Errno open_beneath(int dirfd, const std::string& path, int flags, mode_t mode, util::UniqueFd& out);

// The parent directory of `path` (opened O_PATH, confined beneath dirfd) and its final
// component. A final component that is empty, "." or ".." cannot be operated on by name and
// reports `dot_error` (ENOENT for an empty path). Trailing slashes are removed from the name
// and remembered, since they only assert that the target is a directory.
struct ParentDir {
  util::UniqueFd dir;
  std::string name;
  bool trailing_slash = false;
};
Errno open_parent(int dirfd, const std::string& path, ParentDir& out,
                  Errno dot_error = Errno::Inval);

uint8_t filetype_of(mode_t mode);
// The WASI file type of a directory entry's d_type.
uint8_t filetype_of_dirent(unsigned char d_type);
Filestat to_filestat(const struct stat& st);

}  // namespace wasmlet::host::wasi
