#pragma once
// One guest's WASI file descriptor table. fds 0-2 are the captured stdio streams; then come the
// preopened directories ("/" read-only onto FsConfig::shared_root, the read-only
// FsConfig::mounts, "/tmp" writable onto FsConfig::scratch_dir, each only when configured), in
// that order and without gaps, so
// wasi-libc's preopen scan (fd_prestat_get from fd 3 until EBADF) finds them all.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/host_context.h"
#include "host/wasi/wasi_abi.h"
#include "host/wasi/wasi_errno.h"
#include "util/files.h"

namespace wasmlet::host {

namespace wasi {

enum class FdKind : uint8_t { Stdin, Stdout, Stderr, Host };

struct FdEntry {
  FdKind kind = FdKind::Host;
  // The host descriptor (Host entries only). Shared so that a preopen's directory stays open
  // in WasiState while the guest closes or renumbers its table entry.
  std::shared_ptr<const util::UniqueFd> handle;
  uint8_t filetype = filetype::Unknown;
  uint16_t fdflags = 0;
  Rights rights_base = 0;
  Rights rights_inheriting = 0;
  // True for everything reached through the read-only root: any change answers EROFS.
  bool read_only = false;
  // The guest path of a preopened directory ("/", "/tmp"); empty otherwise.
  std::string preopen_name;

  int fd() const { return handle ? handle->get() : -1; }
  bool has(Rights r) const { return (rights_base & r) == r; }
  bool is_directory() const { return filetype == filetype::Directory; }
};

}  // namespace wasi

class WasiState {
 public:
  // A guest cannot hold more descriptors than this: host fds are a process-wide resource.
  static constexpr size_t kMaxFds = 1024;

  // Opens the configured directories; throws Error when one cannot be opened.
  explicit WasiState(const HostConfig& config);
  WasiState(const WasiState&) = delete;
  WasiState& operator=(const WasiState&) = delete;
  ~WasiState();

  // Closes everything the guest opened and restores stdio and the preopens as they were
  // at construction (cheap when the guest left the table alone).
  void reset();

  // nullptr when `fd` is not open.
  const wasi::FdEntry* find(uint32_t fd) const;
  // As find(), for changing the entry itself (flags, rights); reset() will restore it.
  wasi::FdEntry* modify(uint32_t fd);
  // Stores `entry` at the lowest free number; EMFILE past kMaxFds.
  wasi::Errno insert(wasi::FdEntry entry, uint32_t& fd);
  wasi::Errno close(uint32_t fd);
  // Moves `from` over `to` (which must be open), closing what `to` held.
  wasi::Errno renumber(uint32_t from, uint32_t to);
  // POSIX dup: a second number for `fd`'s open file, sharing its offset and flags, at the
  // lowest free number from `target` on, or (`exact`, as dup2) at `target` itself, closing what
  // `target` held. EBADF for a target past kMaxFds, EMFILE when no number is free.
  wasi::Errno duplicate(uint32_t fd, uint32_t target, bool exact, uint32_t& out);

  // Path operations that may change a writable directory note it here, so whoever resets the
  // guest between calls knows whether its scratch directory needs clearing.
  void note_change() { changed_files_ = true; }
  bool changed_files() const { return changed_files_; }
  void clear_changed_files() { changed_files_ = false; }

 private:
  bool changed_files_ = false;
  struct Preopen {
    std::string guest_path;
    std::shared_ptr<const util::UniqueFd> dir;
    bool read_only;
  };

  void add_preopen(const std::filesystem::path& host_path, std::string guest_path, bool read_only);
  void build_table();
  // Drops empty slots at the end after a close, and notes that the table changed.
  void trim();

  std::vector<Preopen> preopens_;
  std::vector<std::unique_ptr<wasi::FdEntry>> table_;
  bool changed_ = false;
};

}  // namespace wasmlet::host
