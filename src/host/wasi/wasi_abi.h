#pragma once
// WASI preview1 constants and the guest-visible struct layouts (wasi/api.h), written with
// explicit padding so a value-initialised struct copies into guest memory byte for byte.
#include <bit>
#include <cstddef>
#include <cstdint>

namespace wasmlet::host::wasi {

static_assert(std::endian::native == std::endian::little, "wasm memory is little-endian");

using Rights = uint64_t;

namespace right {
inline constexpr Rights FdDatasync = 1ull << 0;
inline constexpr Rights FdRead = 1ull << 1;
inline constexpr Rights FdSeek = 1ull << 2;
inline constexpr Rights FdFdstatSetFlags = 1ull << 3;
inline constexpr Rights FdSync = 1ull << 4;
inline constexpr Rights FdTell = 1ull << 5;
inline constexpr Rights FdWrite = 1ull << 6;
inline constexpr Rights FdAdvise = 1ull << 7;
inline constexpr Rights FdAllocate = 1ull << 8;
inline constexpr Rights PathCreateDirectory = 1ull << 9;
inline constexpr Rights PathCreateFile = 1ull << 10;
inline constexpr Rights PathLinkSource = 1ull << 11;
inline constexpr Rights PathLinkTarget = 1ull << 12;
inline constexpr Rights PathOpen = 1ull << 13;
inline constexpr Rights FdReaddir = 1ull << 14;
inline constexpr Rights PathReadlink = 1ull << 15;
inline constexpr Rights PathRenameSource = 1ull << 16;
inline constexpr Rights PathRenameTarget = 1ull << 17;
inline constexpr Rights PathFilestatGet = 1ull << 18;
inline constexpr Rights PathFilestatSetSize = 1ull << 19;
inline constexpr Rights PathFilestatSetTimes = 1ull << 20;
inline constexpr Rights FdFilestatGet = 1ull << 21;
inline constexpr Rights FdFilestatSetSize = 1ull << 22;
inline constexpr Rights FdFilestatSetTimes = 1ull << 23;
inline constexpr Rights PathSymlink = 1ull << 24;
inline constexpr Rights PathRemoveDirectory = 1ull << 25;
inline constexpr Rights PathUnlinkFile = 1ull << 26;
inline constexpr Rights PollFdReadwrite = 1ull << 27;
inline constexpr Rights SockShutdown = 1ull << 28;
inline constexpr Rights SockAccept = 1ull << 29;

// What an open regular file (or device) can be used for.
inline constexpr Rights kFile = FdDatasync | FdRead | FdSeek | FdFdstatSetFlags | FdSync | FdTell |
                                FdWrite | FdAdvise | FdAllocate | FdFilestatGet |
                                FdFilestatSetSize | FdFilestatSetTimes | PollFdReadwrite;
// What an open directory can be used for.
inline constexpr Rights kDirectory =
    FdDatasync | FdFdstatSetFlags | FdSync | PathCreateDirectory | PathCreateFile | PathLinkSource |
    PathLinkTarget | PathOpen | FdReaddir | PathReadlink | PathRenameSource | PathRenameTarget |
    PathFilestatGet | PathFilestatSetSize | PathFilestatSetTimes | FdFilestatGet |
    FdFilestatSetTimes | PathSymlink | PathRemoveDirectory | PathUnlinkFile | PollFdReadwrite;
// Rights whose presence in a path_open request means "open for writing".
inline constexpr Rights kWriteIntent = FdWrite | FdAllocate | FdFilestatSetSize;
// Rights whose presence in a path_open request means "open for reading".
inline constexpr Rights kReadIntent = FdRead | FdReaddir;
}  // namespace right

namespace filetype {
inline constexpr uint8_t Unknown = 0;
inline constexpr uint8_t BlockDevice = 1;
inline constexpr uint8_t CharacterDevice = 2;
inline constexpr uint8_t Directory = 3;
inline constexpr uint8_t RegularFile = 4;
inline constexpr uint8_t SocketDgram = 5;
inline constexpr uint8_t SocketStream = 6;
inline constexpr uint8_t SymbolicLink = 7;
}  // namespace filetype

namespace fdflag {
inline constexpr uint16_t Append = 1 << 0;
inline constexpr uint16_t Dsync = 1 << 1;
inline constexpr uint16_t Nonblock = 1 << 2;
inline constexpr uint16_t Rsync = 1 << 3;
inline constexpr uint16_t Sync = 1 << 4;
}  // namespace fdflag

namespace oflag {
inline constexpr uint16_t Creat = 1 << 0;
inline constexpr uint16_t Directory = 1 << 1;
inline constexpr uint16_t Excl = 1 << 2;
inline constexpr uint16_t Trunc = 1 << 3;
}  // namespace oflag

inline constexpr uint32_t kLookupSymlinkFollow = 1 << 0;

namespace fstflag {
inline constexpr uint16_t Atim = 1 << 0;
inline constexpr uint16_t AtimNow = 1 << 1;
inline constexpr uint16_t Mtim = 1 << 2;
inline constexpr uint16_t MtimNow = 1 << 3;
}  // namespace fstflag

namespace whence {
inline constexpr uint8_t Set = 0;
inline constexpr uint8_t Cur = 1;
inline constexpr uint8_t End = 2;
}  // namespace whence

namespace clockid {
inline constexpr uint32_t Realtime = 0;
inline constexpr uint32_t Monotonic = 1;
inline constexpr uint32_t ProcessCputime = 2;
inline constexpr uint32_t ThreadCputime = 3;
}  // namespace clockid

namespace eventtype {
inline constexpr uint8_t Clock = 0;
inline constexpr uint8_t FdRead = 1;
inline constexpr uint8_t FdWrite = 2;
}  // namespace eventtype

inline constexpr uint16_t kSubclockAbstime = 1 << 0;
inline constexpr uint16_t kEventFdReadwriteHangup = 1 << 0;
inline constexpr uint8_t kPreopentypeDir = 0;

struct Iovec {
  uint32_t buf;
  uint32_t buf_len;
};
static_assert(sizeof(Iovec) == 8);

struct Fdstat {
  uint8_t filetype;
  uint8_t pad0;
  uint16_t flags;
  uint32_t pad1;
  uint64_t rights_base;
  uint64_t rights_inheriting;
};
static_assert(sizeof(Fdstat) == 24 && offsetof(Fdstat, flags) == 2 &&
              offsetof(Fdstat, rights_base) == 8 && offsetof(Fdstat, rights_inheriting) == 16);

struct Filestat {
  uint64_t dev;
  uint64_t ino;
  uint8_t filetype;
  uint8_t pad[7];
  uint64_t nlink;
  uint64_t size;
  uint64_t atim;
  uint64_t mtim;
  uint64_t ctim;
};
static_assert(sizeof(Filestat) == 64 && offsetof(Filestat, filetype) == 16 &&
              offsetof(Filestat, nlink) == 24 && offsetof(Filestat, size) == 32 &&
              offsetof(Filestat, atim) == 40 && offsetof(Filestat, mtim) == 48 &&
              offsetof(Filestat, ctim) == 56);

// Followed in the fd_readdir buffer by d_namlen bytes of name, without a NUL.
struct Dirent {
  uint64_t d_next;
  uint64_t d_ino;
  uint32_t d_namlen;
  uint8_t d_type;
  uint8_t pad[3];
};
static_assert(sizeof(Dirent) == 24 && offsetof(Dirent, d_ino) == 8 &&
              offsetof(Dirent, d_namlen) == 16 && offsetof(Dirent, d_type) == 20);

struct Prestat {
  uint8_t tag;
  uint8_t pad[3];
  uint32_t name_len;
};
static_assert(sizeof(Prestat) == 8 && offsetof(Prestat, name_len) == 4);

// One subscription; `id_or_fd` is the clock id for clock subscriptions and the file
// descriptor for fd_read/fd_write ones (the union's other fields are then unused).
struct Subscription {
  uint64_t userdata;
  uint8_t tag;
  uint8_t pad0[7];
  uint32_t id_or_fd;
  uint32_t pad1;
  uint64_t timeout;
  uint64_t precision;
  uint16_t flags;
  uint8_t pad2[6];
};
static_assert(sizeof(Subscription) == 48 && offsetof(Subscription, tag) == 8 &&
              offsetof(Subscription, id_or_fd) == 16 && offsetof(Subscription, timeout) == 24 &&
              offsetof(Subscription, precision) == 32 && offsetof(Subscription, flags) == 40);

struct Event {
  uint64_t userdata;
  uint16_t error;
  uint8_t type;
  uint8_t pad0[5];
  uint64_t nbytes;
  uint16_t flags;
  uint8_t pad1[6];
};
static_assert(sizeof(Event) == 32 && offsetof(Event, error) == 8 && offsetof(Event, type) == 10 &&
              offsetof(Event, nbytes) == 16 && offsetof(Event, flags) == 24);

}  // namespace wasmlet::host::wasi
