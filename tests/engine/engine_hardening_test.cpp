// Hostile input to the engine: modules built to crash, hijack or tie up the compiler, compiler
// processes that must stay inside their limits, and trap handling that must not hide a crash
// in host code or leave per-thread state behind.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "engine/engine.h"
#include "engine/errors.h"
#include "engine/instance.h"
#include "engine/trap.h"
#include "test_engine.h"
#include "test_support.h"
#include "util/files.h"
#include "util/subprocess.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Bytes = std::vector<unsigned char>;

// --- A minimal WebAssembly binary writer, enough to build hostile modules byte by byte. ---

Bytes uleb(uint64_t v) {
  Bytes out;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v != 0 ? b | 0x80 : b);
  } while (v != 0);
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes name(std::string_view s) { return cat({uleb(s.size()), Bytes(s.begin(), s.end())}); }

Bytes vec(const std::vector<Bytes>& items) {
  Bytes out = uleb(items.size());
  for (const auto& i : items) out.insert(out.end(), i.begin(), i.end());
  return out;
}

Bytes section(uint8_t id, const Bytes& body) { return cat({{id}, uleb(body.size()), body}); }

Bytes module(std::initializer_list<Bytes> sections) {
  Bytes out = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  for (const auto& s : sections) out.insert(out.end(), s.begin(), s.end());
  return out;
}

constexpr uint8_t kI32 = 0x7f, kI64 = 0x7e, kFuncRef = 0x70;
const Bytes kTypeVoidToI32 = {0x60, 0x00, 0x01, kI32};
const Bytes kTypeVoid = {0x60, 0x00, 0x00};

// A function body: no locals, the code, `end`.
Bytes body(const Bytes& code) {
  Bytes b = cat({{0x00}, code, {0x0b}});
  return cat({uleb(b.size()), b});
}

// (memory 1) (func (export "load") (result i32) (i32.load (i32.const 0))), plus `extra`.
Bytes load_module(std::initializer_list<Bytes> extra = {}) {
  Bytes m = module({section(1, vec({kTypeVoidToI32})), section(3, vec({{0x00}})),
                    section(5, vec({{0x00, 0x01}})), section(7, vec({cat({name("load"), {0, 0}})})),
                    section(10, vec({body({0x41, 0x00, 0x28, 0x02, 0x00})}))});
  for (const auto& e : extra) m.insert(m.end(), e.begin(), e.end());
  return m;
}

// A module whose only content is a global initialised by `const_expr` (without its `end`).
Bytes global_module(uint8_t type, const Bytes& const_expr) {
  return module({section(6, vec({cat({{type, 0x00}, const_expr, {0x0b}})}))});
}

std::string rejection(const Bytes& wasm) {
  try {
    engine::parse_module_info(wasm);
  } catch (const engine::ModuleRejected& e) {
    return e.what();
  }
  return "";
}

class HardeningTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::fresh_test_dir("hardening-tests"); }

  engine::CompilerConfig config() const { return engine::CompilerConfig{dir_ / "cache"}; }

  fs::path dir_;
};

// --- Item 1: no upload crashes the server. ---

// A 30 KB module whose memory has a 30,000-character debug name. wasm2c names the memory's
// field after it, and a backtracking regex over that header line overflowed the stack.
TEST_F(HardeningTest, LongMemoryDebugNameCompilesAndRuns) {
  const std::string long_name(30000, 'm');
  Bytes names = cat({name("name"), {6}, [&] {
                       Bytes sub = vec({cat({{0x00}, name(long_name)})});
                       return cat({uleb(sub.size()), sub});
                     }()});
  Bytes wasm = load_module({section(0, names)});

  // wasm2c does use the name: the header's memory field carries all of it.
  auto info = engine::parse_module_info(wasm);
  fs::create_directories(dir_ / "c");
  engine::generate_c(wasm, info, "hostile", {}, dir_ / "c");
  EXPECT_NE(util::read_text_file(dir_ / "c" / "hostile.h").find("w2c_" + long_name + ";"),
            std::string::npos);

  engine::Engine engine(config());
  auto m = engine.load(wasm, {});
  engine::Instance inst(m, {}, {});
  uint64_t result = 1;
  EXPECT_FALSE(inst.call(*m->find_export("load"), {}, {&result, 1}));
  EXPECT_EQ(result, 0u);
}

// wasm2c 1.0.32 writes export and import names into C comments unescaped; this name closes
// the comment and defines a constructor that would run inside the server at dlopen.
TEST_F(HardeningTest, NamesCannotInjectCode) {
  const std::string payload =
      "*/\n#ifndef WL_INJECTED\n#define WL_INJECTED\n__attribute__((constructor)) static void "
      "wl_injected(void) { __builtin_abort(); }\n#endif\n/*";
  Bytes wasm =
      module({section(1, vec({kTypeVoid})), section(3, vec({{0x00}})),
              section(7, vec({cat({name(payload), {0, 0}})})), section(10, vec({body({})}))});
  engine::Engine engine(config());
  try {
    engine.load(wasm, {});
    ADD_FAILURE() << "loaded";
  } catch (const engine::ModuleRejected& e) {
    EXPECT_NE(std::string(e.what()).find("export 0"), std::string::npos) << e.what();
  }

  // The same through an import resolved by linking (names the host catalogue does not vet).
  Bytes importer = module({section(1, vec({kTypeVoid})),
                           section(2, vec({cat({name("m"), name("f\n*/"), {0x00, 0x00}})}))});
  engine::LoadOptions linked;
  linked.codegen.linked_import_modules = {"m"};
  EXPECT_THROW(engine.load(importer, linked), engine::ModuleRejected);
}

// Names with control characters are valid wasm (the spec testsuite's names.wast has hundreds):
// they load, keep their exact bytes, and cannot pass for C statements in the generated code.
TEST_F(HardeningTest, NamesWithControlCharactersLoadUnchanged) {
  const std::string odd[] = {std::string("a\nb", 3), std::string("\0\x01\x7f", 3), "\r\n",
                             "\nw2c_f0 = 1;\n#define X\n"};
  Bytes exports;
  for (const std::string& n : odd) exports = cat({exports, name(n), {0, 0}});
  Bytes wasm =
      module({section(1, vec({kTypeVoid})), section(3, vec({{0x00}})),
              section(7, cat({uleb(std::size(odd)), exports})), section(10, vec({body({})}))});
  engine::Engine engine(config());
  auto loaded = engine.load(wasm, {});
  for (const std::string& n : odd) EXPECT_NE(loaded->find_export(n), nullptr);
  EXPECT_EQ(loaded->find_export("a b"), nullptr);
}

// One name imported with two types made wasm2c abort; it is valid wasm that nothing can link.
TEST_F(HardeningTest, ANameImportedWithTwoTypesIsUnlinkable) {
  const Bytes kTypeI32 = {0x60, 0x01, 0x7f, 0x00};  // (func (param i32))
  engine::LoadOptions linked;
  linked.codegen.linked_import_modules = {"m"};
  engine::Engine engine(config());
  Bytes twice_two_types = module({section(1, vec({kTypeVoid, kTypeI32})),
                                  section(2, vec({cat({name("m"), name("f"), {0x00, 0x00}}),
                                                  cat({name("m"), name("f"), {0x00, 0x01}})}))});
  try {
    engine.load(twice_two_types, linked);
    ADD_FAILURE() << "loaded";
  } catch (const engine::UnlinkableModule& e) {
    EXPECT_NE(std::string(e.what()).find("m.f"), std::string::npos) << e.what();
  }
  // The same type twice is fine.
  Bytes twice_one_type = module(
      {section(1, vec({kTypeVoid})), section(2, vec({cat({name("m"), name("f"), {0x00, 0x00}}),
                                                     cat({name("m"), name("f"), {0x00, 0x00}})}))});
  EXPECT_NE(engine.load(twice_one_type, linked), nullptr);
}

// A 400 KB module whose element segment puts an imported function into 400,000 table slots.
// Marking each entry with an insert into the 33 MB source took time quadratic in their number
// (36 s for half as many); one pass takes well under a second.
TEST_F(HardeningTest, ManyImportedElementsTranslateInLinearTime) {
  constexpr size_t kEntries = 400000;
  Bytes entries = uleb(kEntries);
  entries.insert(entries.end(), kEntries, 0x00);
  Bytes wasm = module({section(1, vec({kTypeVoid})),
                       section(2, vec({cat({name("env"), name("f"), {0x00, 0x00}})})),
                       section(4, vec({cat({{kFuncRef, 0x00}, uleb(kEntries)})})),
                       section(9, vec({cat({{0x00, 0x41, 0x00, 0x0b}, entries})}))});
  auto info = engine::parse_module_info(wasm);
  fs::create_directories(dir_ / "c");
  auto start = std::chrono::steady_clock::now();
  auto c = engine::generate_c(wasm, info, "elements", {}, dir_ / "c");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  std::string source = util::read_text_file(c);
  size_t marked = 0;
  for (size_t p = 0; (p = source.find("WL_IMPORTED_ELEM + offsetof", p)) != std::string::npos;
       ++p) {
    ++marked;
  }
  EXPECT_EQ(marked, kEntries);
}

// A 900 KB module exporting one function under 100,000 names. Looking each export's symbol up
// with its own search of the header took 87 s; one pass over the header takes well under one.
TEST_F(HardeningTest, ManyExportsTranslateInLinearTime) {
  constexpr size_t kExports = 100000;
  std::vector<Bytes> exports;
  for (size_t i = 0; i < kExports; ++i) {
    exports.push_back(cat({name("e" + std::to_string(i)), {0x00, 0x00}}));
  }
  Bytes wasm = module({section(1, vec({kTypeVoid})), section(3, vec({{0x00}})),
                       section(7, vec(exports)), section(10, vec({body({})}))});
  auto info = engine::parse_module_info(wasm);
  fs::create_directories(dir_ / "c");
  auto start = std::chrono::steady_clock::now();
  engine::generate_c(wasm, info, "exports", {}, dir_ / "c");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
}

TEST(ModuleParserTest, ElevenByteLebIsRejected) {
  // i64.const 0 in eleven bytes: the decoder shifted by 70 bits.
  Bytes eleven = {0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  EXPECT_NE(rejection(global_module(kI64, eleven)).find("integer representation too long"),
            std::string::npos);
}

TEST(ModuleParserTest, LebLengthAndUnusedBitsFollowTheSpec) {
  struct Case {
    uint8_t type;
    Bytes expr;
    const char* error;  // nullptr: accepted
  };
  const Case cases[] = {
      {kI32, {0x41, 0xff, 0xff, 0xff, 0xff, 0x7f}, nullptr},           // -1 in five bytes
      {kI32, {0x41, 0xff, 0xff, 0xff, 0xff, 0x07}, nullptr},           // INT32_MAX
      {kI32, {0x41, 0x80, 0x80, 0x80, 0x80, 0x78}, nullptr},           // INT32_MIN
      {kI32, {0x41, 0xff, 0xff, 0xff, 0xff, 0x4f}, "too large"},       // unused bits not the sign
      {kI32, {0x41, 0xff, 0xff, 0xff, 0xff, 0x0f}, "too large"},       // 2^32 - 1 is not an s32
      {kI32, {0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, "too long"},  // six bytes
      {kI64, {0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}, nullptr},  // min
      {kI64, {0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}, nullptr},  // max
      {kI64, {0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, "too large"},
      {kI64, {0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x41}, "too large"},
  };
  for (const auto& c : cases) {
    std::string err = rejection(global_module(c.type, c.expr));
    if (c.error == nullptr) {
      EXPECT_EQ(err, "") << testing::PrintToString(c.expr);
    } else {
      EXPECT_NE(err.find(c.error), std::string::npos) << testing::PrintToString(c.expr) << err;
    }
  }
  // Unsigned: a type index of 0 in five bytes is fine, with a high bit set it is too large,
  // in six bytes too long.
  auto with_func_type_index = [](const Bytes& index) {
    return module({section(1, vec({kTypeVoid})), section(3, cat({{0x01}, index}))});
  };
  EXPECT_EQ(rejection(with_func_type_index({0x80, 0x80, 0x80, 0x80, 0x00})), "");
  EXPECT_NE(rejection(with_func_type_index({0x80, 0x80, 0x80, 0x80, 0x10})).find("too large"),
            std::string::npos);
  EXPECT_NE(rejection(with_func_type_index({0x80, 0x80, 0x80, 0x80, 0x80, 0x00})).find("too long"),
            std::string::npos);
}

TEST(ModuleParserTest, VectorLengthPastTheEndIsRejected) {
  // Claims four billion types in a five-byte section.
  Bytes wasm = module({section(1, {0xff, 0xff, 0xff, 0xff, 0x0f})});
  EXPECT_NE(rejection(wasm).find("vector length past end"), std::string::npos);
}

// --- Item 2: compiles are bounded. Module limits, checked before translation. ---

struct LimitCase {
  const char* limit;
  void (*lower)(engine::ModuleLimits&);  // sets the limit just below what `wasm` needs
  Bytes wasm;
};

std::vector<LimitCase> limit_cases() {
  auto funcs = [](size_t n) {
    return module({section(1, vec({kTypeVoid})), section(3, vec(std::vector<Bytes>(n, {0x00})))});
  };
  auto imports = [](size_t n) {
    std::vector<Bytes> items;
    for (size_t i = 0; i < n; ++i)
      items.push_back(cat({name("env"), name(std::to_string(i)), {0, 0}}));
    return module({section(1, vec({kTypeVoid})), section(2, vec(items))});
  };
  Bytes global = {kI32, 0x00, 0x41, 0x00, 0x0b};
  Bytes segment = {0x00, 0x41, 0x00, 0x0b, 0x00};  // active, offset 0, no bytes
  return {
      {"bytes", [](auto& l) { l.bytes = 8; }, funcs(1)},
      {"functions", [](auto& l) { l.functions = 2; }, funcs(3)},
      {"imports", [](auto& l) { l.imports = 2; }, imports(3)},
      {"exports", [](auto& l) { l.exports = 0; }, load_module()},
      {"globals", [](auto& l) { l.globals = 1; }, module({section(6, vec({global, global}))})},
      {"data_segments", [](auto& l) { l.data_segments = 1; },
       module({section(5, vec({{0x00, 0x01}})), section(11, vec({segment, segment}))})},
      {"element_segments", [](auto& l) { l.element_segments = 0; },
       module({section(4, vec({{kFuncRef, 0x00, 0x01}})),
               section(9, vec({{0x00, 0x41, 0x00, 0x0b, 0x00}}))})},
      {"tables", [](auto& l) { l.tables = 1; },
       module({section(4, vec({{kFuncRef, 0x00, 0x01}, {kFuncRef, 0x00, 0x01}}))})},
      {"table_elements", [](auto& l) { l.table_elements = 99; },
       module({section(4, vec({{kFuncRef, 0x00, 100}}))})},
      {"memory_pages", [](auto& l) { l.memory_pages = 1; },
       module({section(5, vec({{0x00, 0x02}}))})},
  };
}

TEST(ModuleLimitsTest, EachLimitIsNamedWithTheValue) {
  for (const auto& c : limit_cases()) {
    EXPECT_NO_THROW(engine::parse_module_info(c.wasm, {})) << c.limit;
    engine::ModuleLimits limits;
    c.lower(limits);
    try {
      engine::parse_module_info(c.wasm, limits);
      ADD_FAILURE() << c.limit << " not enforced";
    } catch (const engine::LimitExceeded& e) {
      EXPECT_EQ(e.limit(), c.limit);
      EXPECT_GT(e.value(), e.maximum()) << c.limit;
      EXPECT_NE(std::string(e.what()).find(c.limit), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(std::to_string(e.value())), std::string::npos)
          << e.what();
    }
  }
}

TEST(ModuleLimitsTest, DefaultsAdmitACPythonSizedModule) {
  // CPython 3.11 for WASI: ~12,000 functions, ~100 imports, up to 22,091 data segments (the
  // build in toolchain/python) and a table of ~10,000 elements.
  std::vector<Bytes> imports, segments;
  for (int i = 0; i < 100; ++i)
    imports.push_back(cat({name("env"), name(std::to_string(i)), {0, 0}}));
  for (int i = 0; i < 22091; ++i) segments.push_back({0x00, 0x41, 0x00, 0x0b, 0x00});
  Bytes wasm = module({section(1, vec({kTypeVoid})), section(2, vec(imports)),
                       section(3, vec(std::vector<Bytes>(12000, {0x00}))),
                       section(4, vec({cat({{kFuncRef, 0x00}, uleb(10000)})})),
                       section(5, vec({cat({{0x00}, uleb(400)})})), section(11, vec(segments))});
  EXPECT_NO_THROW(engine::parse_module_info(wasm, engine::ModuleLimits{}));
}

TEST_F(HardeningTest, EngineChecksLimitsBeforeTranslating) {
  auto cfg = config();
  cfg.module_limits.functions = 0;
  cfg.wasm2c = "/nonexistent/wasm2c";  // reaching translation would fail differently
  engine::Engine engine(cfg);
  EXPECT_THROW(engine.load(load_module(), {}), engine::LimitExceeded);
}

// --- Item 2: compiles are bounded. Compiler processes and their errors. ---

TEST_F(HardeningTest, CompileErrorsAreTypedByFault) {
  Bytes wasm = load_module();
  auto cfg = config();
  cfg.wasm2c = "/nonexistent/wasm2c";
  EXPECT_THROW(engine::Engine(cfg).load(wasm, {}), engine::CompilerUnavailable);

  cfg = config();
  cfg.compile_limits.wall_time = 0s;
  try {
    engine::Engine(cfg).load(wasm, {});
    ADD_FAILURE() << "compiled";
  } catch (const engine::LimitExceeded& e) {
    EXPECT_EQ(e.limit(), "wall_time");
  }

  std::stop_source stop;
  stop.request_stop();
  engine::LoadOptions cancelled;
  cancelled.stop = stop.get_token();
  EXPECT_THROW(engine::Engine(config()).load(wasm, cancelled), engine::CompileCancelled);

  auto invalid = test::guest_bytes("invalid");
  EXPECT_THROW(engine::Engine(config()).load(invalid, {}), engine::ModuleRejected);
}

TEST_F(HardeningTest, CompilerFailureIsOursAndNamesNoServerPath) {
  fs::path fake_cc = dir_ / "fake-cc";
  util::write_file_atomic(fake_cc, "#!/bin/sh\necho \"cannot compile $*\"\nexit 1\n");
  fs::permissions(fake_cc, fs::perms::owner_all);
  auto cfg = config();
  cfg.cc = fake_cc.string();
  try {
    engine::Engine(cfg).load(load_module(), {});
    ADD_FAILURE() << "compiled";
  } catch (const engine::ModuleRejected& e) {
    ADD_FAILURE() << "blamed the module: " << e.what();
  } catch (const engine::CompileFailed& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("cannot compile"), std::string::npos) << msg;
    EXPECT_EQ(msg.find(dir_.string()), std::string::npos) << msg;
  }
}

TEST(SubprocessTest, DeadlineKillsTheWholeGroup) {
  util::ProcessLimits limits;
  limits.deadline = util::ProcessLimits::Clock::now() + 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = util::run_process({"sh", "-c", "sleep 30 & echo $!; wait"}, limits);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  pid_t grandchild = std::stoi(r.output);
  // Gone, or a zombie waiting for its new parent to reap it.
  auto alive = [&] {
    std::ifstream stat(fmt::format("/proc/{}/stat", grandchild));
    std::string pid, comm, state;
    return stat >> pid >> comm >> state && state != "Z";
  };
  for (int i = 0; i < 100 && alive(); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(alive());
}

TEST(SubprocessTest, ResourceLimitsApplyInTheChild) {
  util::ProcessLimits cpu;
  cpu.cpu_time = 1s;
  auto r = util::run_process({"sh", "-c", "while :; do :; done"}, cpu);
  EXPECT_TRUE(r.signal == SIGXCPU || r.signal == SIGKILL) << r.signal;
  // The kernel enforces the limit on the exact run time, but rusage reports user and system
  // time from tick samples, which come out lower on a loaded machine (0.85 s seen).
  EXPECT_GE(r.cpu_seconds, 0.5);

  util::ProcessLimits memory;
  memory.address_space = uint64_t{256} << 20;
  r = util::run_process({"python3", "-c", "bytearray(1 << 30)"}, memory);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("MemoryError"), std::string::npos) << r.output;

  util::TempDir dir(fs::temp_directory_path(), "wasmlet-fsize");
  util::ProcessLimits files;
  files.file_size = 100000;
  r = util::run_process(
      {"sh", "-c", "exec head -c 1000000 /dev/zero > \"$0\"", (dir.path() / "big").string()},
      files);
  EXPECT_EQ(r.signal, SIGXFSZ);
  EXPECT_EQ(fs::file_size(dir.path() / "big"), 100000u);
}

TEST(SubprocessTest, OutputIsCapped) {
  util::ProcessLimits limits;
  limits.output_bytes = 1000;
  auto r = util::run_process({"head", "-c", "100000", "/dev/zero"}, limits);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output.size(), 1000u);
  EXPECT_EQ(r.output_dropped, 99000u);
}

TEST(SubprocessTest, StopRequestKills) {
  std::stop_source stop;
  util::ProcessLimits limits;
  limits.stop = stop.get_token();
  std::jthread stopper([&] {
    std::this_thread::sleep_for(200ms);
    stop.request_stop();
  });
  auto start = std::chrono::steady_clock::now();
  auto r = util::run_process({"sleep", "30"}, limits);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_TRUE(r.stopped);
}

TEST(SubprocessTest, DescriptorsAreNotInherited) {
  // No O_CLOEXEC, as careless code does; numbered well above what `ls` opens itself.
  util::UniqueFd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  util::UniqueFd leaked(fcntl(null_fd.get(), F_DUPFD, 100));
  ASSERT_TRUE(leaked);
  auto r = util::run_process({"ls", "/proc/self/fd"});
  EXPECT_EQ(r.output.find(fmt::format("\n{}\n", leaked.get())), std::string::npos) << r.output;
}

TEST(SubprocessTest, MissingProgramIsASpawnError) {
  EXPECT_THROW(util::run_process({"/nonexistent/program"}), util::SpawnError);
  EXPECT_THROW(util::run_process({"wasmlet-no-such-program"}), util::SpawnError);
}

TEST(SubprocessTest, ChildrenDieWithTheirParent) {
  util::TempDir dir(fs::temp_directory_path(), "wasmlet-pdeath");
  fs::path pid_file = dir.path() / "pid";
  pid_t parent = fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {  // a stand-in for the server: runs a compile, then dies mid-way
    std::thread compile([&] {
      util::run_process({"sh", "-c",
                         "echo $$ > \"$0.tmp\" && mv \"$0.tmp\" \"$0\" && exec sleep 30",
                         pid_file.string()});
    });
    while (!fs::exists(pid_file)) std::this_thread::sleep_for(10ms);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(parent, &status, 0), parent);
  pid_t child = std::stoi(util::read_text_file(pid_file));
  auto alive = [&] {
    std::ifstream stat(fmt::format("/proc/{}/stat", child));
    std::string pid, comm, state;
    return stat >> pid >> comm >> state && state != "Z";
  };
  for (int i = 0; i < 100 && alive(); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(alive());
}

// --- Item 8: trap and deadline code. ---

class TrapHardeningTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { module_ = test::load_guest("traps"); }
  static void TearDownTestSuite() { module_.reset(); }
  static std::shared_ptr<const engine::Module> module_;
};
std::shared_ptr<const engine::Module> TrapHardeningTest::module_;

// Host code checks guest pointers; if it faults in a guard region anyway, that is a bug to crash
// on, not a trap to blame on the guest (and longjmp would skip the host code's destructors).
TEST_F(TrapHardeningTest, FaultInHostCodeIsACrash) {
  engine::Instance inst(module_, {}, {});
  wasm_rt_memory_t* mem = inst.memory();
  ASSERT_NE(mem, nullptr);
  volatile uint8_t* past_end = mem->data + mem->size;
  // In guest code the same access is a trap.
  auto trap = engine::guarded([&] { (void)*past_end; });
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->kind, engine::TrapKind::OutOfBounds);
  EXPECT_EXIT(engine::guarded([&] {
                if (engine::enter_host()) (void)*past_end;
                engine::leave_host();
              }),
              testing::KilledBySignal(SIGSEGV), "");
}

TEST(TrapStateTest, ExceptionThroughABoundaryRestoresTheThreadState) {
  EXPECT_THROW(
      engine::guarded([] { throw std::runtime_error("host bug"); }, engine::CallLimits{50ms}),
      std::runtime_error);
  EXPECT_FALSE(engine::in_guarded_call());
  // The deadline was disarmed: a timer still firing would jump into the boundary that is gone.
  std::this_thread::sleep_for(100ms);
  auto until = std::chrono::steady_clock::now() + 100ms;
  auto trap = engine::guarded([&] {
    while (std::chrono::steady_clock::now() < until) {
    }
  });
  EXPECT_FALSE(trap);
}

// Runs in a child process: exits 0 when thread set-up failing part-way (no timer, because no
// signal may be queued) threw every time and gave back what it had taken (the signal stack).
void fail_thread_setup() {
  const rlimit none{0, 0};
  if (setrlimit(RLIMIT_SIGPENDING, &none) != 0) _exit(2);
  int failures = 0;
  size_t before = 0;
  size_t after = 0;
  std::thread([&] {
    engine::install_trap_handlers();
    before = test::virtual_size_kib();
    for (int i = 0; i < 32; ++i) {
      try {
        engine::guarded([] {});
      } catch (const Error& e) {
        failures += std::string(e.what()).find("timer_create") != std::string::npos;
      }
    }
    after = test::virtual_size_kib();
  }).join();
  _exit(failures == 32 && after < before + 64 ? 0 : 1);
}

TEST(TrapStateTest, FailedThreadSetUpThrowsAndLeaksNothing) {
  EXPECT_EXIT(fail_thread_setup(), testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace wasmlet
