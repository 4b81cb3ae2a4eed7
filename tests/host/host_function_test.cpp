// The host import catalogue: signatures derived from the C++ types, every entry well formed
// and unique.
#include "host/host_function.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <string_view>

#include "host/host_imports.h"

namespace wasmlet::host {
namespace {

TEST(HostFunction, SignatureIsDerivedFromTheCxxType) {
  EXPECT_STREQ(signature_of<uint32_t (*)(void*, uint32_t, uint64_t)>(), "ij>i");
  EXPECT_STREQ(signature_of<void (*)(void*, float, double)>(), "fd>");
  EXPECT_STREQ(signature_of<uint64_t (*)(void*)>(), ">j");
}

TEST(HostFunction, EveryImportIsWellFormedAndUnique) {
  std::set<std::string> seen;
  for (const HostFunction& f : host_functions()) {
    std::string id = std::string(f.module) + "." + f.name;
    SCOPED_TRACE(id);
    EXPECT_TRUE(seen.insert(id).second) << "registered twice";
    EXPECT_NE(f.address, nullptr);
    std::string_view sig = f.signature;
    auto arrow = sig.find('>');
    ASSERT_NE(arrow, std::string_view::npos);
    EXPECT_EQ(sig.find_first_not_of("ijfd>"), std::string_view::npos);
    EXPECT_LE(sig.size() - arrow - 1, 1u) << "at most one result";
  }
  EXPECT_GT(seen.size(), 70u);
}

// A few imports whose types the WASI and Faasm ABIs fix, checked against the catalogue.
TEST(HostFunction, KnownImportsHaveTheirAbiSignatures) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"wasi_snapshot_preview1.fd_write", "iiii>i"},
      {"wasi_snapshot_preview1.clock_time_get", "iji>i"},
      {"wasi_snapshot_preview1.path_open", "iiiiijjii>i"},
      {"wasi_snapshot_preview1.proc_exit", "i>"},
      {"env.__faasm_read_input", "ii>i"},
      {"env.__faasm_write_output", "ii>"},
      {"env.__faasm_chain_name", "iii>i"},
      {"env.__faasm_read_state_offset", "iiiii>"},
      {"env.__wasmlet_call_id", ">j"},
      {"env.__faasm_host_interface_test", "i>"},
      {"env.__wasmlet_fd_dup", "iii>i"},  // the SDK's dup, dup2 and fcntl(F_DUPFD)
  };
  auto all = host_functions();
  for (auto [id, sig] : cases) {
    SCOPED_TRACE(std::string(id));
    bool found = false;
    for (const HostFunction& f : all) {
      if (std::string(f.module) + "." + f.name == id) {
        EXPECT_EQ(std::string_view(f.signature), sig);
        found = true;
      }
    }
    EXPECT_TRUE(found);
  }
}

}  // namespace
}  // namespace wasmlet::host
