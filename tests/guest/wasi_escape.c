// Attempts to leave the guest's file system or to change the read-only root; all must fail.
//
// The harness runs this with "/" = a test directory holding hello.txt containing exactly
// "hello wasmlet\n" (and no etc/), and "/tmp" = a writable directory holding two symlinks
// placed by the harness: "escape" -> "/etc" and "escape_rel" -> "../../../../../../../../etc".
// One line per check ("ok <name>" or "FAIL <name>: <detail>"); the exit status is the number
// of failures.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "guest_check.h"

// open() must fail; a descriptor that opened anyway is closed.
static int open_fails(const char* path, int flags) {
  errno = 0;
  int fd = open(path, flags, 0644);
  if (fd >= 0) {
    close(fd);
    return 0;
  }
  return 1;
}

static int stat_fails(const char* path) {
  struct stat st;
  errno = 0;
  return stat(path, &st) != 0;
}

static void escape_checks(void) {
  check(open_fails("../../etc/passwd", O_RDONLY), "escape_dotdot_relative",
        "opened ../../etc/passwd");
  check(open_fails("/../../etc/passwd", O_RDONLY), "escape_dotdot_absolute",
        "opened /../../etc/passwd");
  check(open_fails("/tmp/../../etc/passwd", O_RDONLY), "escape_dotdot_from_tmp",
        "opened /tmp/../../etc/passwd");
  check(open_fails("/etc/passwd", O_RDONLY), "escape_etc_passwd",
        "opened /etc/passwd although the root is a test directory");
  check(stat_fails("/etc/passwd"), "escape_stat_etc_passwd", "stat(/etc/passwd) succeeded");

  struct stat st;
  check(lstat("/tmp/escape", &st) == 0 && S_ISLNK(st.st_mode), "escape_symlink_present",
        "the harness's /tmp/escape symlink is missing");
  char target[64] = {0};
  check(readlink("/tmp/escape", target, sizeof target - 1) == 4 && strcmp(target, "/etc") == 0,
        "escape_readlink", "reading the link itself did not give /etc");
  check(open_fails("/tmp/escape/passwd", O_RDONLY), "escape_symlink_open",
        "opened /tmp/escape/passwd through the symlink");
  check(stat_fails("/tmp/escape/passwd"), "escape_symlink_stat",
        "stat through the symlink succeeded");
  check(stat_fails("/tmp/escape"), "escape_symlink_stat_follow",
        "stat following the symlink succeeded");
  errno = 0;
  DIR* d = opendir("/tmp/escape");
  check(d == NULL, "escape_symlink_opendir", "opendir through the symlink succeeded");
  if (d != NULL) closedir(d);
  check(open_fails("/tmp/escape_rel/passwd", O_RDONLY), "escape_relative_symlink_open",
        "opened /tmp/escape_rel/passwd through the relative symlink");
  errno = 0;
  check(mkdir("/tmp/escape/wasmlet-test", 0755) != 0, "escape_symlink_mkdir",
        "mkdir through the symlink succeeded");
  check(open_fails("/tmp/escape/wasmlet-test", O_CREAT | O_WRONLY), "escape_symlink_create",
        "created a file through the symlink");
  errno = 0;
  check(rename("/tmp/escape/hostname", "/tmp/stolen") != 0, "escape_symlink_rename",
        "renamed a file from behind the symlink");
  errno = 0;
  check(symlink("/etc", "/tmp/mylink") != 0, "escape_create_symlink",
        "creating a symlink succeeded");
  errno = 0;
  check(link("/hello.txt", "/tmp/hardlink") != 0, "escape_create_hardlink",
        "creating a hard link succeeded");
}

// Raw WASI calls, bypassing wasi-libc's own path handling.
static void raw_checks(void) {
  __wasi_prestat_t pre;
  char name[8] = {0};
  int root_ok = __wasi_fd_prestat_get(3, &pre) == 0 && pre.u.dir.pr_name_len == 1 &&
                __wasi_fd_prestat_dir_name(3, (uint8_t*)name, 1) == 0 && name[0] == '/';
  check(root_ok, "raw_preopen_root", "fd 3 is not the preopened /");
  int tmp_ok = __wasi_fd_prestat_get(4, &pre) == 0 && pre.u.dir.pr_name_len == 4 &&
               __wasi_fd_prestat_dir_name(4, (uint8_t*)name, 4) == 0 &&
               memcmp(name, "/tmp", 4) == 0;
  check(tmp_ok, "raw_preopen_tmp", "fd 4 is not the preopened /tmp");
  check(__wasi_fd_prestat_get(5, &pre) == __WASI_ERRNO_BADF, "raw_preopen_end",
        "fd 5 is not EBADF for fd_prestat_get");

  const __wasi_rights_t read = __WASI_RIGHTS_FD_READ;
  const char* escapes[] = {"/etc/passwd", "../etc/passwd", "../../../../etc/passwd",
                           "escape/passwd", "escape_rel/passwd", "./../tmp"};
  for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; ++i) {
    for (__wasi_fd_t dir = 3; dir <= 4; ++dir) {
      __wasi_fd_t fd;
      __wasi_errno_t err = __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, escapes[i], 0,
                                            read, 0, 0, &fd);
      char label[96];
      snprintf(label, sizeof label, "raw_open_%s_from_fd%u", escapes[i], (unsigned)dir);
      errno = err;
      check(err != 0, label, "path_open succeeded");
      if (err == 0) (void)__wasi_fd_close(fd);
    }
  }
  __wasi_filestat_t fst;
  errno = __wasi_path_filestat_get(4, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "escape/passwd", &fst);
  check(errno != 0, "raw_filestat_through_symlink", "path_filestat_get succeeded");
  errno = __wasi_path_create_directory(3, "../wasmlet-escape");
  check(errno != 0, "raw_mkdir_above_root", "path_create_directory above the root succeeded");
  errno = __wasi_path_unlink_file(4, "../hello.txt");
  check(errno != 0, "raw_unlink_above_tmp", "path_unlink_file above /tmp succeeded");
  errno = __wasi_path_open(4, 0, "escape", 0, read, 0, 0, &(__wasi_fd_t){0});
  check(errno != 0, "raw_open_symlink_nofollow", "opening the symlink itself succeeded");
}

static void read_only_root_checks(void) {
  check(open_fails("/new.txt", O_CREAT | O_WRONLY) && errno == EROFS, "ro_create",
        "creating /new.txt did not fail with EROFS");
  check(open_fails("/hello.txt", O_WRONLY) && errno == EROFS, "ro_open_write",
        "opening /hello.txt for writing did not fail with EROFS");
  check(open_fails("/hello.txt", O_RDWR) && errno == EROFS, "ro_open_rdwr",
        "opening /hello.txt read-write did not fail with EROFS");
  check(open_fails("/hello.txt", O_RDONLY | O_TRUNC) && errno == EROFS, "ro_open_trunc",
        "O_TRUNC on /hello.txt did not fail with EROFS");
  errno = 0;
  check(truncate("/hello.txt", 0) != 0, "ro_truncate", "truncate(/hello.txt) succeeded");
  errno = 0;
  check(mkdir("/newdir", 0755) != 0 && errno == EROFS, "ro_mkdir",
        "mkdir in the root did not fail with EROFS");
  errno = 0;
  check(unlink("/hello.txt") != 0 && errno == EROFS, "ro_unlink",
        "unlink in the root did not fail with EROFS");
  errno = 0;
  check(rename("/hello.txt", "/renamed.txt") != 0 && errno == EROFS, "ro_rename",
        "rename within the root did not fail with EROFS");
  errno = 0;
  check(rename("/hello.txt", "/tmp/stolen.txt") != 0 && errno == EROFS, "ro_rename_out",
        "moving a file out of the root did not fail with EROFS");
  int fd = open("/tmp/planted.txt", O_CREAT | O_WRONLY, 0644);
  if (fd >= 0) close(fd);
  errno = 0;
  check(rename("/tmp/planted.txt", "/planted.txt") != 0 && errno == EROFS, "ro_rename_in",
        "moving a file into the root did not fail with EROFS");
  unlink("/tmp/planted.txt");
  struct timeval tv[2] = {{1, 0}, {1, 0}};
  errno = 0;
  check(utimes("/hello.txt", tv) != 0 && errno == EROFS, "ro_utimes",
        "changing times in the root did not fail with EROFS");

  fd = open("/hello.txt", O_RDONLY);
  errno = 0;
  check(fd >= 0 && ftruncate(fd, 0) != 0, "ro_ftruncate_fd", "ftruncate on a root file succeeded");
  errno = 0;
  check(fd >= 0 && pwrite(fd, "x", 1, 0) < 0, "ro_pwrite_fd", "pwrite on a root file succeeded");
  if (fd >= 0) close(fd);

  char buf[64] = {0};
  fd = open("/hello.txt", O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
  if (fd >= 0) close(fd);
  check(n == 14 && strcmp(buf, "hello wasmlet\n") == 0, "ro_content_intact",
        "/hello.txt changed");
}

int main(void) {
  escape_checks();
  raw_checks();
  read_only_root_checks();
  printf("%d failure(s)\n", failures);
  return failures;
}
