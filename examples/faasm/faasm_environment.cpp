// What a function sees of its surroundings, as on Faasm. Output: one "name=ok|FAILED" word per
// check.
//   argv     argv[0] is "function.wasm", as Faasm passes it
//   env      Faasm's default environment variables are set; setenv works
//   etc      /etc/hosts, /etc/passwd and /etc/resolv.conf exist and cannot be written
//   user     getuid() and getpwuid() agree with /etc/passwd
//   waitpid  waitpid reports the pid it is given as exited with status 0, without blocking
//   tty      stdout and stderr are terminals (isatty), stdin is not
//   dup      dup, dup2 and fcntl(F_DUPFD) give descriptors that share the file's offset
//   shared   the shared file faasm://faasm_shared/data.txt (PUT /file) reads as "shared bytes",
//            as does /faasm_shared/data.txt in the working directory; writing the latter
//            changes this call's copy only, never the shared file
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "faasm/faasm.h"

static std::string verdict(const char* name, bool ok) {
  return std::string(name) + (ok ? "=ok " : "=FAILED ");
}

static std::string readFile(const char* path) {
  std::string text;
  FILE* f = fopen(path, "r");
  if (!f) return text;
  char buf[256];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  fclose(f);
  return text;
}

static bool envIs(const char* name, const char* expected) {
  const char* actual = getenv(name);
  return actual && strcmp(actual, expected) == 0;
}

static bool checkDup() {
  int fd = open("/tmp/dup.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "one ", 4) != 4) return false;
  int copy = dup(fd);
  if (copy < 0 || copy == fd || write(copy, "two ", 4) != 4) return false;
  int at50 = dup2(fd, 50);
  int from10 = fcntl(fd, F_DUPFD, 10);
  if (at50 != 50 || from10 < 10 || write(from10, "three", 5) != 5) return false;
  // One open file, one offset, whichever number wrote last.
  bool shared = lseek(fd, 0, SEEK_CUR) == 13 && lseek(copy, 0, SEEK_CUR) == 13 &&
                lseek(at50, 0, SEEK_CUR) == 13;
  errno = 0;
  bool badFails = dup(1000) == -1 && errno == EBADF;
  close(fd);
  close(from10);
  close(at50);
  // The last number still holds the file open.
  char buf[16] = {0};
  bool readBack = lseek(copy, 0, SEEK_SET) == 0 && read(copy, buf, sizeof buf) == 13 &&
                  strcmp(buf, "one two three") == 0;
  close(copy);
  return shared && badFails && readBack;
}

int main(int argc, char* argv[]) {
  std::string out;
  out += verdict("argv", argc >= 1 && strcmp(argv[0], "function.wasm") == 0);

  bool env = envIs("PYTHONWASM", "1") && envIs("PYTHONHASHSEED", "0") &&
             envIs("OPENBLAS_NUM_THREADS", "1") && getenv("FOOBAR") == nullptr;
  setenv("FOOBAR", "BAZ", 0);
  out += verdict("env", env && envIs("FOOBAR", "BAZ"));

  std::string hosts = readFile("/etc/hosts");
  bool etc = hosts.size() == 20 && hosts.compare(0, 9, "127.0.0.1") == 0 &&
             !readFile("/etc/passwd").empty() && access("/etc/resolv.conf", R_OK) == 0 &&
             open("/etc/hosts", O_WRONLY) == -1;
  out += verdict("etc", etc);

  passwd* pw = getpwuid(getuid());
  std::string line = pw ? std::string(pw->pw_name) + ":x:" + std::to_string(pw->pw_uid) + ":" +
                              std::to_string(pw->pw_gid) + ":"
                        : "";
  out += verdict("user", pw && readFile("/etc/passwd").compare(0, line.size(), line) == 0 &&
                             getpwuid(getuid() + 1) == nullptr);

  int status = -1;
  out += verdict("waitpid", waitpid(123, &status, WNOHANG) == 123 && WEXITSTATUS(status) == 0);

  out += verdict("tty", isatty(STDOUT_FILENO) && isatty(STDERR_FILENO) && !isatty(STDIN_FILENO));

  out += verdict("dup", checkDup());

  struct stat st {};
  bool shared = readFile("faasm://faasm_shared/data.txt") == "shared bytes" &&
                readFile("/faasm_shared/data.txt") == "shared bytes" &&
                stat("faasm://faasm_shared", &st) == 0 && S_ISDIR(st.st_mode);
  if (FILE* f = fopen("/faasm_shared/data.txt", "w")) {
    shared = shared && fputs("local", f) >= 0;
    shared = fclose(f) == 0 && shared;
  } else {
    shared = false;
  }
  shared = shared && readFile("/faasm_shared/data.txt") == "local" &&
           readFile("faasm://faasm_shared/data.txt") == "shared bytes";
  out += verdict("shared", shared);

  out.pop_back();
  faasm::setStringOutput(out);
  return 0;
}
