#include "host/wasi/wasi_state.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "util/error.h"

namespace wasmlet::host {

using wasi::Errno;
using wasi::FdEntry;
using wasi::FdKind;

namespace {

FdEntry stdio_entry(FdKind kind) {
  FdEntry e;
  e.kind = kind;
  // Captured streams are not seekable. stdout and stderr are character devices, so isatty()
  // is true for them as on Faasm (whose functions check it); wasi-libc then line-buffers stdout.
  e.filetype = kind == FdKind::Stdin ? wasi::filetype::Unknown : wasi::filetype::CharacterDevice;
  e.rights_base = wasi::right::FdFilestatGet | wasi::right::FdFdstatSetFlags |
                  wasi::right::PollFdReadwrite |
                  (kind == FdKind::Stdin ? wasi::right::FdRead : wasi::right::FdWrite);
  return e;
}

}  // namespace

WasiState::WasiState(const HostConfig& config) {
  if (!config.fs.shared_root.empty()) add_preopen(config.fs.shared_root, "/", true);
  for (const auto& m : config.fs.mounts) add_preopen(m.host_path, m.guest_path, true);
  if (!config.fs.scratch_dir.empty()) add_preopen(config.fs.scratch_dir, "/tmp", false);
  build_table();
}

WasiState::~WasiState() = default;

void WasiState::add_preopen(const std::filesystem::path& host_path, std::string guest_path,
                            bool read_only) {
  // O_PATH: the directory is only ever a base for openat2 and *at calls, and an O_PATH
  // descriptor carries no offset or status flags a guest could change.
  util::UniqueFd fd(open(host_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    throw Error(fmt::format("cannot open directory {} for the guest's {}: {}", host_path.string(),
                            guest_path, std::strerror(errno)));
  }
  preopens_.push_back(
      {std::move(guest_path), std::make_shared<const util::UniqueFd>(std::move(fd)), read_only});
}

void WasiState::build_table() {
  table_.clear();
  table_.push_back(std::make_unique<FdEntry>(stdio_entry(FdKind::Stdin)));
  table_.push_back(std::make_unique<FdEntry>(stdio_entry(FdKind::Stdout)));
  table_.push_back(std::make_unique<FdEntry>(stdio_entry(FdKind::Stderr)));
  for (const Preopen& p : preopens_) {
    auto e = std::make_unique<FdEntry>();
    e->kind = FdKind::Host;
    e->handle = p.dir;
    e->filetype = wasi::filetype::Directory;
    e->rights_base = wasi::right::kDirectory;
    // The read-only root still passes on write rights: a write through it then fails as on a
    // read-only mount (EROFS), instead of wasi-libc quietly opening the file read-only.
    e->rights_inheriting = wasi::right::kDirectory | wasi::right::kFile;
    e->read_only = p.read_only;
    e->preopen_name = p.guest_path;
    table_.push_back(std::move(e));
  }
  changed_ = false;
}

void WasiState::reset() {
  if (changed_) build_table();
}

const FdEntry* WasiState::find(uint32_t fd) const {
  return fd < table_.size() ? table_[fd].get() : nullptr;
}

FdEntry* WasiState::modify(uint32_t fd) {
  if (fd >= table_.size() || !table_[fd]) return nullptr;
  changed_ = true;
  return table_[fd].get();
}

Errno WasiState::insert(FdEntry entry, uint32_t& fd) {
  size_t slot = 0;
  while (slot < table_.size() && table_[slot]) ++slot;
  if (slot >= kMaxFds) return Errno::MFile;
  if (slot == table_.size()) table_.emplace_back();
  table_[slot] = std::make_unique<FdEntry>(std::move(entry));
  changed_ = true;
  fd = static_cast<uint32_t>(slot);
  return Errno::Success;
}

Errno WasiState::duplicate(uint32_t fd, uint32_t target, bool exact, uint32_t& out) {
  const FdEntry* e = find(fd);
  if (e == nullptr || target >= kMaxFds) return Errno::BadF;
  if (exact && fd == target) {
    out = target;
    return Errno::Success;
  }
  FdEntry copy = *e;  // the host descriptor is shared, so is its offset, as after dup(2)
  copy.preopen_name.clear();
  size_t slot = target;
  while (!exact && slot < table_.size() && table_[slot]) ++slot;
  if (slot >= kMaxFds) return Errno::MFile;
  if (slot >= table_.size()) table_.resize(slot + 1);
  table_[slot] = std::make_unique<FdEntry>(std::move(copy));
  changed_ = true;
  out = static_cast<uint32_t>(slot);
  return Errno::Success;
}

Errno WasiState::close(uint32_t fd) {
  if (find(fd) == nullptr) return Errno::BadF;
  table_[fd].reset();
  trim();
  return Errno::Success;
}

Errno WasiState::renumber(uint32_t from, uint32_t to) {
  if (find(from) == nullptr || find(to) == nullptr) return Errno::BadF;
  if (from == to) return Errno::Success;
  table_[to] = std::move(table_[from]);
  trim();
  return Errno::Success;
}

void WasiState::trim() {
  while (!table_.empty() && !table_.back()) table_.pop_back();
  changed_ = true;
}

}  // namespace wasmlet::host
