#pragma once
// One guest's WASI file descriptor table. fds 0-2 are the captured stdio streams; then come the
// preopened directories ("/" read-only onto FsConfig::shared_root, the read-only
// FsConfig::mounts, "/tmp" writable onto FsConfig::scratch_dir, each only when configured), in
// that order and without gaps, so
// wasi-libc's preopen scan (fd_prestat_get from fd 3 until EBADF) finds them all. With
// FsConfig::faasm_files, "/" is an overlay (faasm_files.h) and the scratch space holds both
// writable layers, which reset() empties.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "host/host_context.h"
#include "host/shared_dir_usage.h"
#include "host/wasi/wasi_abi.h"
#include "host/wasi/wasi_errno.h"
#include "util/files.h"

namespace wasmlet::host {

namespace wasi {

enum class FdKind : uint8_t { Stdin, Stdout, Stderr, Host };

// A faasm:// file being written: the guest writes a temporary file beside it, which replaces the
// file when the last descriptor for it closes, or at the end of the call. Readers thus see the
// old file or the new one, never a partial one; a write abandoned by a trapped call (the
// WasiState destroyed without reset) is removed.
class SharedWrite {
 public:
  // `usage`, when set, counts the shared files under `root` (which holds `dir`): publishing
  // charges it the file's growth and refuses (EDQUOT) a file that would take it past
  // `max_bytes`.
  struct Quota {
    SharedDirUsage* usage = nullptr;
    std::filesystem::path root;
    uint64_t max_bytes = 0;
  };
  SharedWrite(util::UniqueFd dir, std::string temp_name, std::string name, Quota quota)
      : dir_(std::move(dir)),
        temp_name_(std::move(temp_name)),
        name_(std::move(name)),
        quota_(std::move(quota)) {}
  SharedWrite(const SharedWrite&) = delete;
  SharedWrite& operator=(const SharedWrite&) = delete;
  ~SharedWrite();

  Errno publish();
  void abandon() { abandoned_ = true; }

 private:
  Errno rename_into_place();

  util::UniqueFd dir_;
  std::string temp_name_, name_;
  Quota quota_;
  bool done_ = false, abandoned_ = false;
};

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
  // In the scratch space (/tmp, the overlay's upper layer): growth counts against its budget.
  bool scratch = false;
  // A directory of the overlay "/" (FsConfig::faasm_files): path calls relative to it resolve
  // `overlay_path` + their path in both layers, and it lists both.
  bool overlay = false;
  std::string overlay_path;
  // The file, so that removing a name can tell whether the guest still holds it open.
  dev_t dev = 0;
  ino_t ino = 0;
  std::shared_ptr<SharedWrite> shared_write;
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

  // The overlay's layers (FsConfig::faasm_files), -1 without it: the upper layer in the scratch
  // space and the shared files beneath it, which faasm:// names.
  int upper_dir() const { return upper_ ? upper_->get() : -1; }
  int shared_dir() const { return shared_ ? shared_->get() : -1; }
  const FsConfig& fs_config() const { return fs_; }

  // The scratch budget of the current call (FsConfig::max_scratch_bytes, max_scratch_files):
  // EDQUOT when `bytes` more or one more file would pass it, and nothing is charged.
  wasi::Errno charge_bytes(uint64_t bytes);
  wasi::Errno charge_file();
  // Gives back what removing a file or shrinking it freed.
  void credit(uint64_t bytes, uint64_t files);
  // One more faasm:// file written in this call; EDQUOT past FsConfig::max_shared_writes.
  wasi::Errno count_shared_write();
  // Whether a descriptor of the guest refers to that file.
  bool holds(dev_t dev, ino_t ino) const;

 private:
  bool changed_files_ = false;
  struct Preopen {
    std::string guest_path;
    std::shared_ptr<const util::UniqueFd> dir;
    bool read_only;
    bool scratch;
    bool overlay;
  };

  void add_preopen(const std::filesystem::path& host_path, std::string guest_path, bool read_only,
                   bool scratch = false, bool overlay = false);
  // Publishes the faasm:// writes the table holds (or abandons them), then empties it.
  void release_table(bool publish);
  void clear_scratch();

  FsConfig fs_;
  std::filesystem::path tmp_path_, upper_path_;
  std::shared_ptr<const util::UniqueFd> upper_, shared_;
  uint64_t scratch_bytes_ = 0, scratch_files_ = 0;
  uint32_t shared_writes_ = 0;
  void build_table();
  // Drops empty slots at the end after a close, and notes that the table changed.
  void trim();

  std::vector<Preopen> preopens_;
  std::vector<std::unique_ptr<wasi::FdEntry>> table_;
  bool changed_ = false;
};

}  // namespace wasmlet::host
