#include "host/wasi/faasm_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <memory>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "host/shared_dir_usage.h"
#include "host/wasi/wasi_support.h"
#include "util/error.h"

namespace wasmlet::host::wasi {

namespace {

// Errors that mean "not in this layer", so the lookup goes on to the next one.
bool absent(Errno e) { return e == Errno::NoEnt || e == Errno::NotDir; }

const char* or_dot(const std::string& path) { return path.empty() ? "." : path.c_str(); }

Errno copy_contents(int from, int to) {
  std::array<char, size_t{64} << 10> buf;
  for (;;) {
    ssize_t n = read(from, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_errno();
    if (n == 0) return Errno::Success;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(to, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return last_errno();
      done += w;
    }
  }
}

// Makes the directories above `path` in the upper layer that the shared files have, each one a
// file of the scratch budget. O_NOFOLLOW: a symbolic link among the shared files is not a
// directory to copy.
Errno make_upper_parents(WasiState& w, const std::string& path) {
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string prefix = path.substr(0, slash);
    util::UniqueFd fd;
    Errno err = open_beneath(w.upper_dir(), prefix, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0, fd);
    if (!absent(err)) {
      if (failed(err)) return err;
      continue;
    }
    err = open_beneath(w.shared_dir(), prefix, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0, fd);
    if (failed(err)) return err;
    ParentDir parent;
    if (Errno e = open_parent(w.upper_dir(), prefix, parent); failed(e)) return e;
    if (Errno e = w.charge_file(); failed(e)) return e;
    if (mkdirat(parent.dir.get(), parent.name.c_str(), 0777) != 0) {
      w.credit(0, 1);
      return last_errno();
    }
  }
  return Errno::Success;
}

std::string temporary_name() {
  std::array<unsigned char, 8> bytes{};
  if (getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    throw Error("getrandom failed while naming a temporary file");
  }
  std::string name = kWriteInProgressPrefix;
  for (unsigned char b : bytes) name += fmt::format("{:02x}", b);
  return name;
}

}  // namespace

Errno overlay_normalize(std::string_view base, std::string_view path, std::string& out) {
  if (path.starts_with('/')) return Errno::NotCapable;
  std::vector<std::string_view> parts;
  for (std::string_view text : {base, path}) {
    while (!text.empty()) {
      size_t slash = text.find('/');
      std::string_view part = text.substr(0, slash);
      text.remove_prefix(slash == std::string_view::npos ? text.size() : slash + 1);
      if (part.empty() || part == ".") continue;
      if (part == "..") {
        if (parts.empty()) return Errno::NotCapable;
        parts.pop_back();
      } else {
        parts.push_back(part);
      }
    }
  }
  out.clear();
  for (std::string_view part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return Errno::Success;
}

Errno overlay_find(const WasiState& w, const std::string& path, bool follow, Layer& layer,
                   struct stat& st) {
  const int flags = O_PATH | (follow ? 0 : O_NOFOLLOW);
  for (auto [dir, which] :
       {std::pair{w.upper_dir(), Layer::Upper}, {w.shared_dir(), Layer::Lower}}) {
    util::UniqueFd fd;
    Errno err = open_beneath(dir, or_dot(path), flags, 0, fd);
    if (absent(err)) continue;
    if (failed(err)) return err;
    if (fstat(fd.get(), &st) != 0) return last_errno();
    layer = which;
    return Errno::Success;
  }
  layer = Layer::None;
  return Errno::Success;
}

Errno overlay_check_removable(const WasiState& w, const std::string& path) {
  util::UniqueFd fd;
  Errno err = open_beneath(w.shared_dir(), or_dot(path), O_PATH | O_NOFOLLOW, 0, fd);
  if (absent(err)) return Errno::Success;
  return failed(err) ? err : Errno::RoFs;
}

Errno overlay_parent(WasiState& w, const std::string& path, bool make_parents, ParentDir& out) {
  if (make_parents) {
    if (Errno err = make_upper_parents(w, path); failed(err)) return err;
  }
  return open_parent(w.upper_dir(), path, out, Errno::Exist);
}

Errno open_existing_counted(WasiState& w, int dir, const std::string& path, int flags,
                            util::UniqueFd& out) {
  // Truncating an O_RDONLY descriptor is left to the kernel: there is no ftruncate for it.
  const bool truncates = (flags & O_TRUNC) != 0 && (flags & O_ACCMODE) != O_RDONLY;
  if (!truncates) return open_beneath(dir, path, flags & ~O_CREAT, 0, out);
  // Opened first and truncated after, so that the size given back is the confined file's.
  if (Errno err = open_beneath(dir, path, flags & ~(O_CREAT | O_TRUNC), 0, out); failed(err)) {
    return err;
  }
  struct stat st {};
  if (fstat(out.get(), &st) != 0) return last_errno();
  if (S_ISREG(st.st_mode)) {
    if (ftruncate(out.get(), 0) != 0) return last_errno();
    w.credit(static_cast<uint64_t>(st.st_size), 0);
  }
  return Errno::Success;
}

Errno create_counted(WasiState& w, int dir, const std::string& path, int flags,
                     util::UniqueFd& out) {
  if ((flags & O_EXCL) == 0) {
    Errno err = open_existing_counted(w, dir, path, flags, out);
    if (err != Errno::NoEnt) return err;
  }
  if (Errno err = w.charge_file(); failed(err)) return err;
  Errno err = open_beneath(dir, path, flags | O_EXCL, 0666, out);
  if (failed(err)) w.credit(0, 1);
  return err;
}

Errno overlay_open_for_writing(WasiState& w, const std::string& path, int flags,
                               util::UniqueFd& out) {
  if (path.empty()) return Errno::IsDir;
  Layer layer = Layer::None;
  struct stat st {};
  if (Errno err = overlay_find(w, path, (flags & O_NOFOLLOW) == 0, layer, st); failed(err)) {
    return err;
  }
  if (layer == Layer::Upper) {
    if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return Errno::Exist;
    return open_existing_counted(w, w.upper_dir(), path, flags, out);
  }
  ParentDir parent;
  if (layer == Layer::None) {
    if ((flags & O_CREAT) == 0) return Errno::NoEnt;
    if (Errno err = overlay_parent(w, path, true, parent); failed(err)) return err;
    return create_counted(w, parent.dir.get(), parent.name, flags, out);
  }
  // Only the shared files hold it: copy it up, then open the copy as asked.
  if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return Errno::Exist;
  if (S_ISDIR(st.st_mode)) return Errno::IsDir;
  if (!S_ISREG(st.st_mode)) return Errno::Inval;
  const bool keep = (flags & O_TRUNC) == 0;
  if (Errno err = overlay_parent(w, path, true, parent); failed(err)) return err;
  if (keep) {
    if (Errno err = w.charge_bytes(static_cast<uint64_t>(st.st_size)); failed(err)) return err;
  }
  util::UniqueFd copy;
  if (Errno err =
          create_counted(w, parent.dir.get(), parent.name, O_WRONLY | O_CREAT | O_NOFOLLOW, copy);
      failed(err)) {
    if (keep) w.credit(static_cast<uint64_t>(st.st_size), 0);
    return err;
  }
  if (keep) {
    util::UniqueFd source;
    Errno err = open_beneath(w.shared_dir(), path, O_RDONLY | (flags & O_NOFOLLOW), 0, source);
    if (!failed(err)) err = copy_contents(source.get(), copy.get());
    if (failed(err)) {
      unlinkat(parent.dir.get(), parent.name.c_str(), 0);
      w.credit(static_cast<uint64_t>(st.st_size), 1);
      return err;
    }
  }
  return open_beneath(w.upper_dir(), path, flags & ~(O_CREAT | O_EXCL), 0, out);
}

Errno shared_open_for_writing(WasiState& w, const std::string& path, int flags, util::UniqueFd& out,
                              std::shared_ptr<SharedWrite>& out_write) {
  if (path.empty()) return Errno::IsDir;
  ParentDir parent;
  if (Errno err = open_parent(w.shared_dir(), path, parent); failed(err)) return err;
  // Writes in progress are named so (and not counted until published): not the guest's to name.
  if (parent.name.starts_with(kWriteInProgressPrefix)) return Errno::Acces;
  struct stat st {};
  const bool exists = fstatat(parent.dir.get(), parent.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (!exists && errno != ENOENT) return last_errno();
  if (exists) {
    if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return Errno::Exist;
    if (S_ISDIR(st.st_mode)) return Errno::IsDir;
    if (!S_ISREG(st.st_mode)) return Errno::Inval;
  } else if ((flags & O_CREAT) == 0) {
    return Errno::NoEnt;
  }
  const bool keep = exists && (flags & O_TRUNC) == 0;
  if (keep && static_cast<uint64_t>(st.st_size) > w.fs_config().max_shared_file_bytes) {
    return Errno::FBig;
  }
  if (Errno err = w.count_shared_write(); failed(err)) return err;
  const int dir = parent.dir.get();
  std::string temp = temporary_name();
  util::UniqueFd fd(openat(dir, temp.c_str(),
                           O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | (flags & O_APPEND),
                           0644));
  if (!fd) return last_errno();
  const FsConfig& fs = w.fs_config();
  auto write = std::make_shared<SharedWrite>(
      std::move(parent.dir), temp, parent.name,
      SharedWrite::Quota{fs.shared_usage, fs.shared_root, fs.max_shared_dir_bytes});
  if (keep) {
    util::UniqueFd source(openat(dir, parent.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    Errno err = source ? copy_contents(source.get(), fd.get()) : last_errno();
    if (!failed(err) && (flags & O_APPEND) == 0 && lseek(fd.get(), 0, SEEK_SET) < 0) {
      err = last_errno();
    }
    if (failed(err)) {
      write->abandon();
      return err;
    }
  }
  out = std::move(fd);
  out_write = std::move(write);
  return Errno::Success;
}

Errno charge_growth(WasiState& w, const FdEntry& e, uint64_t new_end) {
  if (!e.scratch && !e.shared_write) return Errno::Success;
  if (e.shared_write && new_end > w.fs_config().max_shared_file_bytes) return Errno::FBig;
  if (!e.scratch) return Errno::Success;
  struct stat st {};
  if (fstat(e.fd(), &st) != 0) return last_errno();
  const auto size = static_cast<uint64_t>(st.st_size);
  return new_end > size ? w.charge_bytes(new_end - size) : Errno::Success;
}

void credit_removed(WasiState& w, const struct stat& before) {
  // A file the guest still holds keeps its bytes until that descriptor closes.
  const bool freed = S_ISREG(before.st_mode) && !w.holds(before.st_dev, before.st_ino);
  w.credit(freed ? static_cast<uint64_t>(before.st_size) : 0, 1);
}

Errno overlay_list(const WasiState& w, const std::string& path, std::vector<ListedEntry>& out) {
  out.clear();
  std::unordered_set<std::string> seen;
  for (int layer : {w.upper_dir(), w.shared_dir()}) {
    util::UniqueFd fd;
    Errno err = open_beneath(layer, or_dot(path), O_RDONLY | O_DIRECTORY, 0, fd);
    if (absent(err)) continue;
    if (failed(err)) return err;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(fdopendir(fd.get()), closedir);
    if (!dir) return last_errno();
    fd.release();  // the DIR owns it now
    errno = 0;
    while (const dirent* d = readdir(dir.get())) {
      // Writes in progress (this call's or another's) are not files yet.
      if (std::string_view(d->d_name).starts_with(kWriteInProgressPrefix)) continue;
      if (seen.insert(d->d_name).second) {
        out.push_back({d->d_name, d->d_ino, filetype_of_dirent(d->d_type)});
      }
    }
    if (errno != 0) return last_errno();
  }
  return Errno::Success;
}

}  // namespace wasmlet::host::wasi
