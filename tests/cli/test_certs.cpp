#include "test_certs.h"

#include <fstream>
#include <vector>

#include "util/error.h"
#include "util/subprocess.h"

namespace wasmlet::test {

namespace {

namespace fs = std::filesystem;

std::optional<fs::path> find_openssl() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
    fs::path p = fs::path(dir) / "openssl";
    if (fs::exists(p)) return p;
  }
  return std::nullopt;
}

void openssl(const fs::path& exe, std::vector<std::string> args) {
  args.insert(args.begin(), exe.string());
  auto r = util::run_process(args);
  if (r.exit_code != 0) throw Error("openssl " + args[1] + " failed: " + r.output);
}

// A P-256 CA certificate and key, valid for two days.
void make_ca(const fs::path& exe, const fs::path& cert, const fs::path& key,
             const std::string& name) {
  openssl(exe, {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.string(), "-out", cert.string(), "-days", "2", "-subj",
                "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                "keyUsage=critical,keyCertSign,cRLSign"});
}

// A server certificate for `san`, signed by the CA.
void make_leaf(const fs::path& exe, const fs::path& dir, const std::string& stem,
               const std::string& san, const fs::path& ca_cert, const fs::path& ca_key) {
  fs::path key = dir / (stem + ".key"), csr = dir / (stem + ".csr"), ext = dir / (stem + ".ext");
  openssl(exe, {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                key.string(), "-out", csr.string(), "-subj", "/CN=" + stem});
  std::ofstream(ext) << "subjectAltName=" << san
                     << "\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                        "extendedKeyUsage=serverAuth\n";
  openssl(exe, {"x509", "-req", "-in", csr.string(), "-CA", ca_cert.string(), "-CAkey",
                ca_key.string(), "-CAcreateserial", "-days", "2", "-extfile", ext.string(), "-out",
                (dir / (stem + ".pem")).string()});
}

}  // namespace

std::optional<TestCerts> make_test_certs(const fs::path& dir) {
  auto exe = find_openssl();
  if (!exe) return std::nullopt;
  fs::create_directories(dir);
  TestCerts c;
  c.dir = dir;
  c.ca = dir / "ca.pem";
  make_ca(*exe, c.ca, dir / "ca.key", "Wasmlet Test CA");
  make_leaf(*exe, dir, "server", "DNS:localhost,IP:127.0.0.1", c.ca, dir / "ca.key");
  c.server_cert = dir / "server.pem";
  c.server_key = dir / "server.key";
  make_leaf(*exe, dir, "other", "DNS:other.example", c.ca, dir / "ca.key");
  c.other_cert = dir / "other.pem";
  c.other_key = dir / "other.key";
  c.unrelated_ca = dir / "unrelated-ca.pem";
  make_ca(*exe, c.unrelated_ca, dir / "unrelated-ca.key", "Unrelated Test CA");
  return c;
}

}  // namespace wasmlet::test
