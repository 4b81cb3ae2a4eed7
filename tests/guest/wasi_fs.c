// WASI file system checks through ordinary POSIX calls (wasi-libc).
//
// The harness runs this with "/" = a directory holding hello.txt containing exactly
// "hello wasmlet\n", and "/tmp" = an empty writable directory. One line per check
// ("ok <name>" or "FAIL <name>: <detail>"); the exit status is the number of failures.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "guest_check.h"

static const char kHello[] = "hello wasmlet\n";

static int read_all(const char* path, char* buf, size_t cap) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = '\0';
  return (int)n;
}

static int write_file(const char* path, const char* text) {
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  close(fd);
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

// Counts the entries of `path` other than "." and ".."; sets *found when `want` is among them.
static int count_entries(const char* path, const char* want, int* found) {
  DIR* d = opendir(path);
  if (d == NULL) return -1;
  int n = 0;
  *found = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (want != NULL && strcmp(e->d_name, want) == 0) *found = 1;
    ++n;
  }
  closedir(d);
  return n;
}

static void root_checks(void) {
  char buf[256];
  check(read_all("/hello.txt", buf, sizeof buf) == (int)strlen(kHello) && strcmp(buf, kHello) == 0,
        "root_read", "could not read /hello.txt with the expected content");

  struct stat st;
  check(stat("/hello.txt", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == (off_t)strlen(kHello),
        "root_stat", "stat(/hello.txt) is not a regular file of the expected size");
  check(stat("/", &st) == 0 && S_ISDIR(st.st_mode), "root_stat_dir", "stat(/) is not a directory");
  check(stat("/no-such-file", &st) != 0 && errno == ENOENT, "root_stat_missing",
        "stat of a missing file did not fail with ENOENT");

  int found = 0;
  check(count_entries("/", "hello.txt", &found) >= 1 && found, "root_readdir",
        "hello.txt not listed in /");

  int fd = open("/hello.txt", O_RDONLY);
  check(fd >= 0, "root_open_rdonly", "open(/hello.txt, O_RDONLY) failed");
  if (fd >= 0) {
    errno = 0;
    check(write(fd, "x", 1) < 0 && errno == EBADF, "root_write_rdonly_fd",
          "write to a read-only fd did not fail with EBADF");
    check(fstat(fd, &st) == 0 && st.st_size == (off_t)strlen(kHello), "root_fstat",
          "fstat gave the wrong size");
    close(fd);
  }
}

static void file_checks(void) {
  int fd = open("/tmp/f.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
  check(fd >= 0, "tmp_create", "open(/tmp/f.txt, O_CREAT|O_RDWR) failed");
  if (fd < 0) return;
  check(write(fd, "0123456789", 10) == 10, "tmp_write", "short write");

  char buf[128] = {0};
  check(lseek(fd, 2, SEEK_SET) == 2 && read(fd, buf, 3) == 3 && memcmp(buf, "234", 3) == 0,
        "tmp_seek_read", "seek to 2 and read 3 did not give \"234\"");
  check(lseek(fd, 0, SEEK_CUR) == 5, "tmp_tell", "position after the read is not 5");
  check(lseek(fd, -2, SEEK_END) == 8, "tmp_seek_end", "SEEK_END -2 is not 8");
  errno = 0;
  check(lseek(fd, -100, SEEK_SET) < 0 && errno == EINVAL, "tmp_seek_negative",
        "seeking before the start did not fail with EINVAL");

  memset(buf, 0, sizeof buf);
  check(pwrite(fd, "AB", 2, 0) == 2 && pread(fd, buf, 4, 0) == 4 && memcmp(buf, "AB23", 4) == 0,
        "tmp_pwrite_pread", "pwrite/pread at offset 0 did not round-trip");
  check(lseek(fd, 0, SEEK_CUR) == 8, "tmp_pread_keeps_position",
        "pread/pwrite moved the file position");

  struct stat st;
  check(ftruncate(fd, 4) == 0 && fstat(fd, &st) == 0 && st.st_size == 4, "tmp_truncate_shrink",
        "ftruncate to 4 did not give size 4");
  memset(buf, 'x', sizeof buf);
  check(ftruncate(fd, 100) == 0 && fstat(fd, &st) == 0 && st.st_size == 100 &&
            pread(fd, buf, 10, 90) == 10 && buf[0] == 0 && buf[9] == 0,
        "tmp_truncate_grow", "ftruncate to 100 did not zero-fill");
  check(fsync(fd) == 0, "tmp_fsync", "fsync failed");
  check(fdatasync(fd) == 0, "tmp_fdatasync", "fdatasync failed");
  close(fd);

  fd = open("/tmp/f.txt", O_WRONLY | O_APPEND);
  check(fd >= 0 && write(fd, "Z", 1) == 1 && fstat(fd, &st) == 0 && st.st_size == 101,
        "tmp_append", "O_APPEND write did not land at the end");
  if (fd >= 0) close(fd);

  fd = open("/tmp/f.txt", O_RDONLY);
  errno = 0;
  check(fd >= 0 && write(fd, "x", 1) < 0 && errno == EBADF, "tmp_write_rdonly_fd",
        "write to an fd opened O_RDONLY did not fail with EBADF");
  if (fd >= 0) close(fd);

  fd = open("/tmp/f.txt", O_CREAT | O_EXCL | O_WRONLY, 0644);
  check(fd < 0 && errno == EEXIST, "tmp_excl", "O_CREAT|O_EXCL on an existing file did not fail");
  if (fd >= 0) close(fd);

  check(rename("/tmp/f.txt", "/tmp/g.txt") == 0, "tmp_rename", "rename failed");
  check(stat("/tmp/f.txt", &st) != 0 && errno == ENOENT && stat("/tmp/g.txt", &st) == 0 &&
            st.st_size == 101,
        "tmp_rename_result", "the old name still exists or the new one does not");

  struct timeval tv[2] = {{1000000000, 0}, {1200000000, 0}};
  check(utimes("/tmp/g.txt", tv) == 0 && stat("/tmp/g.txt", &st) == 0 &&
            st.st_mtim.tv_sec == 1200000000,
        "tmp_utimes", "utimes did not set the modification time");

  check(unlink("/tmp/g.txt") == 0 && stat("/tmp/g.txt", &st) != 0 && errno == ENOENT,
        "tmp_unlink", "unlink did not remove the file");
  errno = 0;
  check(unlink("/tmp/g.txt") != 0 && errno == ENOENT, "tmp_unlink_missing",
        "unlinking a missing file did not fail with ENOENT");
}

static void directory_checks(void) {
  struct stat st;
  check(mkdir("/tmp/d", 0755) == 0 && stat("/tmp/d", &st) == 0 && S_ISDIR(st.st_mode), "tmp_mkdir",
        "mkdir did not create a directory");
  errno = 0;
  check(mkdir("/tmp/d", 0755) != 0 && errno == EEXIST, "tmp_mkdir_exists",
        "mkdir of an existing directory did not fail with EEXIST");
  check(write_file("/tmp/d/inner.txt", "inner") == 0, "tmp_create_nested",
        "could not create /tmp/d/inner.txt");
  errno = 0;
  check(rmdir("/tmp/d") != 0 && errno == ENOTEMPTY, "tmp_rmdir_nonempty",
        "rmdir of a non-empty directory did not fail with ENOTEMPTY");
  errno = 0;
  check(unlink("/tmp/d") != 0, "tmp_unlink_dir", "unlink removed a directory");

  char buf[64];
  check(read_all("/tmp/d/../d/./inner.txt", buf, sizeof buf) == 5 && strcmp(buf, "inner") == 0,
        "tmp_dotdot_inside", "a path with .. that stays inside /tmp did not resolve");
  check(chdir("/tmp/d") == 0 && read_all("inner.txt", buf, sizeof buf) == 5 && chdir("/") == 0,
        "tmp_relative_cwd", "a relative path after chdir did not resolve");

  check(rename("/tmp/d", "/tmp/e") == 0 && stat("/tmp/e/inner.txt", &st) == 0, "tmp_rename_dir",
        "renaming a directory failed");
  check(unlink("/tmp/e/inner.txt") == 0 && rmdir("/tmp/e") == 0 && stat("/tmp/e", &st) != 0,
        "tmp_rmdir", "could not empty and remove the directory");

  check(mkdir("/tmp/list", 0755) == 0 && write_file("/tmp/list/a", "") == 0 &&
            write_file("/tmp/list/b", "") == 0 && mkdir("/tmp/list/c", 0755) == 0,
        "tmp_readdir_setup", "could not populate /tmp/list");
  int found = 0;
  check(count_entries("/tmp/list", "c", &found) == 3 && found, "tmp_readdir",
        "/tmp/list does not list exactly a, b, c");

  DIR* d = opendir("/tmp/list");
  int dir_type_ok = 0;
  if (d != NULL) {
    struct dirent* e;
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, "c") == 0) dir_type_ok = e->d_type == DT_DIR;
    }
    closedir(d);
  }
  check(dir_type_ok, "tmp_readdir_type", "the entry for directory c is not DT_DIR");

  // Enough entries that wasi-libc needs several fd_readdir calls, resuming by cookie.
  int made = mkdir("/tmp/many", 0755) == 0;
  for (int i = 0; made && i < 300; ++i) {
    char name[64];
    snprintf(name, sizeof name, "/tmp/many/entry-with-a-longish-name-%03d", i);
    made = write_file(name, "") == 0;
  }
  check(made && count_entries("/tmp/many", "entry-with-a-longish-name-299", &found) == 300 && found,
        "tmp_readdir_many", "listing 300 entries did not give 300");

  d = opendir("/tmp/list");
  int first = 0, again = 0;
  if (d != NULL) {
    while (readdir(d) != NULL) ++first;
    rewinddir(d);
    while (readdir(d) != NULL) ++again;
    closedir(d);
  }
  check(first > 0 && first == again, "tmp_rewinddir", "rewinddir did not restart the listing");
}

int main(void) {
  root_checks();
  file_checks();
  directory_checks();
  printf("%d failure(s)\n", failures);
  return failures;
}
