#include "host/wasi/wasi_state.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "host/wasi/wasi_support.h"
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

// O_PATH: the directory is only ever a base for openat2 and *at calls, and an O_PATH
// descriptor carries no offset or status flags a guest could change.
std::shared_ptr<const util::UniqueFd> open_directory(const std::filesystem::path& host_path,
                                                     const std::string& guest_path) {
  util::UniqueFd fd(open(host_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    throw Error(fmt::format("cannot open directory {} for the guest's {}: {}", host_path.string(),
                            guest_path, std::strerror(errno)));
  }
  return std::make_shared<const util::UniqueFd>(std::move(fd));
}

}  // namespace

namespace wasi {

SharedWrite::~SharedWrite() {
  if (done_) return;
  if (abandoned_ || publish() != Errno::Success) unlinkat(dir_.get(), temp_name_.c_str(), 0);
}

Errno SharedWrite::rename_into_place() {
  if (renameat(dir_.get(), temp_name_.c_str(), dir_.get(), name_.c_str()) != 0) return last_errno();
  done_ = true;
  return Errno::Success;
}

Errno SharedWrite::publish() {
  if (done_) return Errno::Success;
  if (quota_.usage == nullptr) return rename_into_place();
  Errno err = Errno::Success;
  quota_.usage->change(quota_.root, [&](uint64_t& used) {
    struct stat written {};
    struct stat replaced {};
    if (fstatat(dir_.get(), temp_name_.c_str(), &written, AT_SYMLINK_NOFOLLOW) != 0) {
      err = last_errno();
      return;
    }
    uint64_t old_cost = 0;
    if (fstatat(dir_.get(), name_.c_str(), &replaced, AT_SYMLINK_NOFOLLOW) == 0) {
      old_cost = SharedDirUsage::file_cost(
          S_ISREG(replaced.st_mode) ? static_cast<uint64_t>(replaced.st_size) : 0);
    }
    const uint64_t after = std::max(used, old_cost) - old_cost +
                           SharedDirUsage::file_cost(static_cast<uint64_t>(written.st_size));
    // A write that shrinks what the directory takes is never refused.
    if (after > quota_.max_bytes && after > used) {
      err = Errno::DQuot;
      return;
    }
    err = rename_into_place();
    if (!failed(err)) used = after;
  });
  return err;
}

}  // namespace wasi

WasiState::WasiState(const HostConfig& config) : fs_(config.fs) {
  const bool overlay = fs_.faasm_files && !fs_.shared_root.empty() && !fs_.scratch_dir.empty();
  if (overlay) {
    // The scratch space holds both writable layers, so that emptying it resets them together.
    tmp_path_ = fs_.scratch_dir / "tmp";
    upper_path_ = fs_.scratch_dir / "root";
    std::filesystem::create_directories(tmp_path_);
    std::filesystem::create_directories(upper_path_);
    upper_ = open_directory(upper_path_, "/");
  }
  // The overlay's root is held on the shared files: read-only as a descriptor (its times and
  // listing), while path calls beneath it go through the overlay.
  if (!fs_.shared_root.empty()) add_preopen(fs_.shared_root, "/", true, false, overlay);
  if (fs_.faasm_files && !preopens_.empty()) shared_ = preopens_.front().dir;
  for (const auto& m : fs_.mounts) add_preopen(m.host_path, m.guest_path, true);
  if (!fs_.scratch_dir.empty()) {
    add_preopen(overlay ? tmp_path_ : fs_.scratch_dir, "/tmp", false, true);
  }
  build_table();
}

WasiState::~WasiState() { release_table(false); }

void WasiState::add_preopen(const std::filesystem::path& host_path, std::string guest_path,
                            bool read_only, bool scratch, bool overlay) {
  auto dir = open_directory(host_path, guest_path);
  preopens_.push_back({std::move(guest_path), std::move(dir), read_only, scratch, overlay});
}

void WasiState::build_table() {
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
    e->scratch = p.scratch;
    e->overlay = p.overlay;
    e->preopen_name = p.guest_path;
    table_.push_back(std::move(e));
  }
  changed_ = false;
}

void WasiState::release_table(bool publish) {
  for (auto& e : table_) {
    if (e && e->shared_write && !publish) e->shared_write->abandon();
  }
  table_.clear();  // the last descriptor of a faasm:// write publishes it as it goes
}

void WasiState::reset() {
  if (changed_) {
    release_table(true);
    build_table();
  }
  // Only the overlay's layers are this object's to empty; a plain /tmp is its owner's.
  if (!upper_path_.empty() && changed_files_) {
    clear_scratch();
    changed_files_ = false;
  }
  scratch_bytes_ = 0;
  scratch_files_ = 0;
  shared_writes_ = 0;
}

void WasiState::clear_scratch() {
  for (const auto* layer : {&tmp_path_, &upper_path_}) {
    for (const auto& entry : std::filesystem::directory_iterator(*layer)) {
      std::filesystem::remove_all(entry.path());
    }
  }
}

Errno WasiState::charge_bytes(uint64_t bytes) {
  if (bytes > fs_.max_scratch_bytes - scratch_bytes_) return Errno::DQuot;
  scratch_bytes_ += bytes;
  return Errno::Success;
}

Errno WasiState::charge_file() {
  if (scratch_files_ >= fs_.max_scratch_files) return Errno::DQuot;
  ++scratch_files_;
  return Errno::Success;
}

void WasiState::credit(uint64_t bytes, uint64_t files) {
  scratch_bytes_ -= std::min(bytes, scratch_bytes_);
  scratch_files_ -= std::min(files, scratch_files_);
}

Errno WasiState::count_shared_write() {
  if (shared_writes_ >= fs_.max_shared_writes) return Errno::DQuot;
  ++shared_writes_;
  return Errno::Success;
}

bool WasiState::holds(dev_t dev, ino_t ino) const {
  for (const auto& e : table_) {
    if (e && e->kind == FdKind::Host && e->ino == ino && e->dev == dev) return true;
  }
  return false;
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
  // The last descriptor of a faasm:// write publishes it here, where the guest learns the outcome.
  Errno err = Errno::Success;
  if (auto& w = table_[fd]->shared_write; w && w.use_count() == 1) {
    err = w->publish();
    if (failed(err)) w->abandon();  // refused once, not tried again as the descriptor goes
  }
  table_[fd].reset();
  trim();
  return err;
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
