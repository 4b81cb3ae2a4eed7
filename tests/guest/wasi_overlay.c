// Faasm's files (FsConfig::faasm_files): the overlay working directory and faasm:// writes,
// including attempts to escape through either.
//
// The harness runs this with "/" = shared files holding hello.txt ("hello wasmlet\n"),
// sub/data.txt ("shared bytes"), a symlink "out_link" -> "/etc" and a symlink "up_link" ->
// "../secret.txt" (a file beside the shared directory); /tmp is the scratch space's. The
// first argument picks a part: "overlay", "quota" (with a 64 KiB, 8-file budget),
// "shared_quota" (faasm:// files of at most 4 KiB, two per call), "shared_dir_quota" (the
// shared files' quota leaves 8 KiB) or "shared_trap" (replaces hello.txt, then traps). One line per
// check; the exit status is the failure count.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest_check.h"

static int write_file(const char* path, const char* text, int flags) {
  int fd = open(path, O_WRONLY | flags, 0644);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  return close(fd) == 0 ? (int)n : -1;
}

static int reads(const char* path, const char* expected) {
  char buf[256] = {0};
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n == (ssize_t)strlen(expected) && memcmp(buf, expected, (size_t)n) == 0;
}

static int lists_prefix(const char* dir, const char* prefix) {
  DIR* d = opendir(dir);
  if (d == NULL) return 1;
  int found = 0;
  for (struct dirent* e; (e = readdir(d)) != NULL;) {
    found |= strncmp(e->d_name, prefix, strlen(prefix)) == 0;
  }
  closedir(d);
  return found;
}

static int fails_with(int result, int err) { return result < 0 && errno == err; }

static int listed(const char* dir, const char* name) {
  DIR* d = opendir(dir);
  if (d == NULL) return -1;
  int count = 0;
  for (struct dirent* e; (e = readdir(d)) != NULL;) count += strcmp(e->d_name, name) == 0;
  closedir(d);
  return count;
}

static void overlay_checks(void) {
  check(write_file("new.txt", "created", O_CREAT | O_TRUNC) == 7 && reads("/new.txt", "created"),
        "create_in_working_directory", "could not create and read back new.txt");
  check(write_file("/hello.txt", "changed", O_TRUNC) == 7 && reads("hello.txt", "changed"),
        "overwrite_shared_file_copy", "could not overwrite hello.txt in the overlay");
  check(write_file("sub/data.txt", " more", O_APPEND) == 5 &&
            reads("sub/data.txt", "shared bytes more"),
        "append_copies_up", "appending to sub/data.txt lost its shared bytes");
  check(reads("faasm://sub/data.txt", "shared bytes"), "shared_file_unchanged",
        "faasm://sub/data.txt shows the overlay's copy");
  check(mkdir("newdir", 0755) == 0 && write_file("newdir/a", "a", O_CREAT) == 1 &&
            rename("newdir/a", "b") == 0 && reads("b", "a") && unlink("b") == 0 &&
            rmdir("newdir") == 0,
        "mkdir_rename_unlink", "directory and rename round trip failed");
  errno = 0;
  check(fails_with(unlink("/sub/data.txt"), EROFS), "unlink_shared_is_erofs",
        "removing a shared file's name did not answer EROFS");
  errno = 0;
  check(fails_with(rmdir("sub"), EROFS), "rmdir_shared_is_erofs",
        "removing a shared directory did not answer EROFS");
  errno = 0;
  check(fails_with(mkdir("sub", 0755), EEXIST), "mkdir_shared_exists",
        "mkdir of a shared directory did not answer EEXIST");
  check(listed("/", "new.txt") == 1 && listed("/", "hello.txt") == 1 && listed("/", "sub") == 1,
        "listing_merges_layers", "/ does not list each of new.txt, hello.txt, sub once");

  // Escapes through the overlay: all must fail, in both layers.
  errno = 0;
  check(write_file("../secret.txt", "x", O_CREAT) < 0, "escape_dotdot_create",
        "created ../secret.txt");
  check(write_file("sub/../../secret.txt", "x", O_CREAT) < 0, "escape_nested_dotdot",
        "created sub/../../secret.txt");
  check(mkdir("../outside", 0755) != 0, "escape_mkdir", "made ../outside");
  check(rename("new.txt", "../stolen") != 0, "escape_rename_target", "renamed to ../stolen");
  check(write_file("out_link/x", "x", O_CREAT) < 0, "escape_through_symlink_dir",
        "created a file through out_link -> /etc");
  check(write_file("up_link", "x", 0) < 0, "escape_copy_up_symlink",
        "copied up or wrote through up_link -> ../secret.txt");
  check(!reads("up_link", "outside the root\n"), "escape_read_symlink",
        "read ../secret.txt through up_link");
  check(write_file("faasm://../secret.txt", "x", O_CREAT) < 0, "escape_shared_dotdot",
        "wrote faasm://../secret.txt");
  check(write_file("faasm://up_link", "x", O_CREAT) < 0 || reads("up_link", "x"),
        "escape_shared_symlink", "a faasm:// write went through up_link");
  errno = 0;
  check(fails_with(mkdir("faasm://made", 0755), EROFS), "shared_mkdir_erofs",
        "mkdir of a faasm:// name did not answer EROFS");

  // faasm:// writes replace the shared file when closed, readers see whole files only.
  int fd = open("faasm://sub/result.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  check(fd >= 0 && write(fd, "part", 4) == 4, "shared_write_opens", "cannot write faasm://");
  check(access("faasm://sub/result.txt", F_OK) != 0, "shared_write_not_seen_before_close",
        "the shared file appeared before its descriptor closed");
  check(fd >= 0 && write(fd, "ial", 3) == 3 && close(fd) == 0 &&
            reads("faasm://sub/result.txt", "partial"),
        "shared_write_published_on_close", "faasm://sub/result.txt does not hold the write");
}

static void quota_checks(void) {
  static char chunk[16 * 1024];
  memset(chunk, 'q', sizeof chunk);
  int fd = open("/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int written = 0;
  errno = 0;
  while (fd >= 0 && written < 1 << 20 && write(fd, chunk, sizeof chunk) == (ssize_t)sizeof chunk) {
    written += (int)sizeof chunk;
  }
  check(written > 0 && written < 64 * 1024 + 1 && errno == EDQUOT, "bytes_bound",
        "writing to the working directory did not stop at the budget with EDQUOT");
  if (fd >= 0) close(fd);
  check(unlink("/big") == 0 && write_file("/tmp/after", "x", O_CREAT) == 1, "unlink_frees_budget",
        "removing the file did not give its bytes back");
  int rewrites = 0;
  for (int i = 0; i < 12; ++i) {
    fd = open("/tmp/rewritten", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    rewrites += fd >= 0 && write(fd, chunk, sizeof chunk) == (ssize_t)sizeof chunk;
    if (fd >= 0) close(fd);
  }
  check(rewrites == 12, "truncation_frees_budget",
        "rewriting one /tmp file used up the budget although it never grew past one chunk");
  fd = open("/tmp/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  written = 0;
  errno = 0;
  while (fd >= 0 && written < 1 << 20 && write(fd, chunk, sizeof chunk) == (ssize_t)sizeof chunk) {
    written += (int)sizeof chunk;
  }
  check(written < 64 * 1024 && errno == EDQUOT, "tmp_bytes_bound",
        "writing to /tmp did not stop at the budget with EDQUOT");
  if (fd >= 0) close(fd);
  unlink("/tmp/big");
  unlink("/tmp/rewritten");
  unlink("/tmp/after");
  int files = 0;
  char name[32];
  errno = 0;
  for (int i = 0; i < 100; ++i) {
    snprintf(name, sizeof name, i % 2 ? "/tmp/f%d" : "f%d", i);
    if (write_file(name, "", O_CREAT) < 0) break;
    ++files;
  }
  check(files == 8 && errno == EDQUOT, "files_bound",
        "creating files in /tmp and the working directory did not stop at the budget");
}

static void shared_quota_checks(void) {
  static char chunk[3 * 1024];
  memset(chunk, 's', sizeof chunk);
  int fd = open("faasm://big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  check(fd >= 0 && write(fd, chunk, sizeof chunk) == (ssize_t)sizeof chunk, "shared_small_write",
        "a write within the bound failed");
  errno = 0;
  check(fd >= 0 && fails_with((int)write(fd, chunk, sizeof chunk), EFBIG), "shared_size_bound",
        "a faasm:// file grew past its bound");
  if (fd >= 0) close(fd);
  int second = open("faasm://second.bin", O_WRONLY | O_CREAT, 0644);
  errno = 0;
  int third = open("faasm://third.bin", O_WRONLY | O_CREAT, 0644);
  check(second >= 0 && fails_with(third, EDQUOT), "shared_writes_bound",
        "a third faasm:// file opened for writing past a bound of two");
  if (second >= 0) close(second);
  if (third >= 0) close(third);
}

// A faasm:// write is charged to the shared files' quota as it is published: one that would
// pass it fails at close and leaves nothing; one that shrinks a file gives its room back.
static void shared_dir_quota_checks(void) {
  static char chunk[6000];
  memset(chunk, 'q', sizeof chunk);
  int fd = open("faasm://a.bin", O_WRONLY | O_CREAT, 0644);
  check(fd >= 0 && write(fd, chunk, sizeof chunk) == (ssize_t)sizeof chunk && close(fd) == 0,
        "shared_dir_write_within", "a faasm:// write within the quota failed");
  fd = open("faasm://b.bin", O_WRONLY | O_CREAT, 0644);
  int wrote = fd >= 0 && write(fd, chunk, sizeof chunk) == (ssize_t)sizeof chunk;
  errno = 0;
  check(wrote && fails_with(close(fd), EDQUOT), "shared_dir_quota_bound",
        "a faasm:// write past the shared files' quota was published");
  check(access("faasm://b.bin", F_OK) != 0, "shared_dir_refusal_left_nothing",
        "a refused faasm:// write left its file");
  check(write_file("faasm://a.bin", "small", O_TRUNC) == 5, "shared_dir_shrink",
        "shrinking a faasm:// file failed");
  check(write_file("faasm://b.bin", "small", O_CREAT) == 5 && reads("faasm://b.bin", "small"),
        "shared_dir_room_given_back", "the room a shrunk file gave back could not be used");
  // Until it is closed, a faasm:// write is in no listing, under its name or its temporary one.
  int pending = open("faasm://pending.bin", O_WRONLY | O_CREAT, 0644);
  check(pending >= 0 && listed(".", "pending.bin") == 0 && !lists_prefix(".", ".wasmlet-write-"),
        "shared_dir_write_in_progress_unlisted", "a write in progress showed in the listing");
  if (pending >= 0) close(pending);
  errno = 0;
  check(
      fails_with(open("faasm://.wasmlet-write-0011223344556677", O_WRONLY | O_CREAT, 0644), EACCES),
      "shared_dir_reserved_name", "a faasm:// write took the name of writes in progress");
}

// Starts replacing hello.txt, then traps: the shared file must stay whole.
static void shared_trap(void) {
  int fd = open("faasm://hello.txt", O_WRONLY | O_TRUNC);
  if (fd >= 0 && write(fd, "x", 1) == 1) printf("ok started\n");
  fflush(stdout);
  __builtin_trap();
}

int main(int argc, char** argv) {
  const char* part = argc > 1 ? argv[1] : "";
  if (strcmp(part, "overlay") == 0) overlay_checks();
  if (strcmp(part, "quota") == 0) quota_checks();
  if (strcmp(part, "shared_quota") == 0) shared_quota_checks();
  if (strcmp(part, "shared_dir_quota") == 0) shared_dir_quota_checks();
  if (strcmp(part, "shared_trap") == 0) shared_trap();
  return failures;
}
