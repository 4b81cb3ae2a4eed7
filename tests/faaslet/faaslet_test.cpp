// Faaslets and Proto-Faaslets: snapshot once, restore for every call, reset after it, pool and
// discard, and release everything when they go.
#include "faaslet/faaslet.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <iterator>
#include <string>
#include <thread>

#include "faaslet/faaslet_pool.h"
#include "faaslet/proto_faaslet.h"
#include "host/host_imports.h"
#include "test_engine.h"
#include "test_support.h"
#include "util/thread_serial.h"

namespace wasmlet {
namespace {

namespace fs = std::filesystem;
using faaslet::EntryPoint;
using faaslet::Faaslet;
using faaslet::FaasletPool;
using faaslet::FunctionConfig;
using faaslet::ProtoFaaslet;
using namespace std::chrono_literals;

fs::path scratch_root() {
  fs::path p = fs::path(WASMLET_TEST_CACHE_DIR).parent_path() / "faaslet-scratch";
  fs::create_directories(p);
  return p;
}

std::shared_ptr<ProtoFaaslet> proto_of(const std::string& guest, FunctionConfig config = {}) {
  if (config.host.args.empty()) config.host.args = {guest};
  if (config.scratch_parent.empty()) config.scratch_parent = scratch_root();
  return std::make_shared<ProtoFaaslet>(test::load_guest(guest, host::host_imports()),
                                        std::move(config));
}

TEST(Faaslet, EveryCallSeesThePristineSnapshot) {
  Faaslet f(proto_of("faaslet_state"));
  std::string first;
  for (int i = 0; i < 5; ++i) {
    auto r = f.call("");
    ASSERT_TRUE(r.ok()) << (r.trap ? r.trap->describe() : r.stderr_text);
    // Constructors and the zygote ran once, before the snapshot; nothing of the last call
    // (static, heap, file in /tmp) is visible; stdout holds this call's line only.
    EXPECT_NE(r.output.find("ctor=1 zygote=1 counter=0 heap=clean file=absent"), std::string::npos)
        << r.output;
    EXPECT_EQ(r.stdout_text, "call output\nsecond line\n");  // flushed at the end of the call
    if (i == 0) first = r.output;
    EXPECT_EQ(r.output, first);
  }
  EXPECT_TRUE(f.reusable());
}

// A reset reverts written pages by copying (up to kept_pages, which stay private) and drops the
// rest: either way, the next call must find the snapshot's bytes.
TEST(Faaslet, ResetRevertsWrittenPagesWhetherKeptOrDropped) {
  for (size_t kept : {size_t{0}, size_t{1}, size_t{4096}}) {
    FunctionConfig config;
    config.limits.kept_pages = kept;
    Faaslet f(proto_of("faaslet_state", config));
    for (int i = 0; i < 4; ++i) {
      auto r = f.call("");
      ASSERT_TRUE(r.ok()) << (r.trap ? r.trap->describe() : r.stderr_text);
      EXPECT_NE(r.output.find("counter=0 heap=clean file=absent"), std::string::npos)
          << "kept_pages=" << kept << ": " << r.output;
    }
  }
}

TEST(Faaslet, WasmGlobalsAreReset) {
  Faaslet f(proto_of("traps"));
  for (int i = 0; i < 3; ++i) {
    auto r = f.call("", EntryPoint::exported("bump"));
    ASSERT_FALSE(r.trap);
    EXPECT_EQ(r.return_code, 1);
  }
}

TEST(Faaslet, CallsATableEntryByIndex) {
  Faaslet f(proto_of("faaslet_state"));
  auto r = f.call("");
  ASSERT_TRUE(r.ok());
  int index = std::stoi(r.output.substr(r.output.find("table=") + 6));
  auto t = f.call("", EntryPoint::table(static_cast<uint32_t>(index)));
  ASSERT_FALSE(t.trap) << t.trap->describe();
  EXPECT_EQ(t.return_code, 7);
  auto bad = f.call("", EntryPoint::table(9999));
  ASSERT_TRUE(bad.trap);
  EXPECT_EQ(bad.trap->kind, engine::TrapKind::UndefinedElement);
}

// Grown memory is zeroed and kept resident behind PROT_NONE (within kept_pages), or dropped:
// either way the next call sees the snapshot's size, zeros when it grows, and a trap past it.
TEST(Faaslet, ResetShrinksGrownMemoryWhetherItsPagesAreKeptOrDropped) {
  for (size_t kept : {size_t{0}, size_t{2}, size_t{4096}}) {
    FunctionConfig config;
    config.limits.kept_pages = kept;
    Faaslet f(proto_of("grow_reset", config));
    for (int i = 0; i < 4; ++i) {
      auto r = f.call("", EntryPoint::exported("grow_and_write"));
      ASSERT_FALSE(r.trap) << r.trap->describe();
      EXPECT_EQ(r.return_code, 0) << "kept " << kept << ", call " << i;
    }
    auto past = f.call("", EntryPoint::exported("read_past_first_page"));
    ASSERT_TRUE(past.trap) << "kept " << kept;
    EXPECT_EQ(past.trap->kind, engine::TrapKind::OutOfBounds);
  }
}

// The same for a memory whose writes are not tracked, whose grown pages wait in the stash
// between calls: calls growing less, as much and more than the last, and in steps.
TEST(Faaslet, GrownPagesComeBackZeroAndOnlyWhereTheMemoryGrows) {
  for (size_t kept : {size_t{0}, size_t{40}, size_t{4096}}) {
    FunctionConfig config;
    config.limits.kept_pages = kept;
    auto proto = proto_of("grow_stash", config);
    const char* entries[] = {"grow4", "grow4", "grow4",         "grow2", "grow8", "grow_in_steps",
                             "grow4", "grow2", "grow_in_steps", "grow8", "grow8", "grow2"};
    for (size_t run = 1; run <= std::size(entries); run += 5) {
      Faaslet f(proto);  // a call that traps ends its Faaslet
      for (size_t i = 0; i < run; ++i) {
        auto r = f.call("", EntryPoint::exported(entries[i]));
        ASSERT_FALSE(r.trap) << r.trap->describe();
        EXPECT_EQ(r.return_code, 0) << "kept " << kept << ", call " << i << ", " << entries[i];
      }
      auto past = f.call("", EntryPoint::exported("read_past"));
      ASSERT_TRUE(past.trap) << "kept " << kept << ", after " << run << " calls";
      EXPECT_EQ(past.trap->kind, engine::TrapKind::OutOfBounds);
    }
  }
}

// The snapshot leaves 4 MiB free in the guest's allocator (malloc and free before the capture):
// a call allocating 1 MiB takes it without growing memory, and every call finds the block as
// the first did, though each fills it. Without the reserve the same call grows memory; with a
// memory limit the reserve does not fit in, the function still starts and its calls still run.
TEST(ProtoFaaslet, LeavesAHeapReserveThatCallsAllocateWithoutGrowing) {
  Faaslet reserved(proto_of("heap_reserve"));
  std::string first;
  for (int i = 0; i < 3; ++i) {
    auto r = reserved.call("1048576");
    ASSERT_TRUE(r.ok()) << (r.trap ? r.trap->describe() : r.stderr_text);
    EXPECT_EQ(r.output.rfind("grew=0 sum=", 0), 0u) << r.output;
    if (i == 0) first = r.output;
    EXPECT_EQ(r.output, first) << "call " << i;
  }

  FunctionConfig none;
  none.limits.heap_reserve_bytes = 0;
  Faaslet plain(proto_of("heap_reserve", none));
  auto r = plain.call("1048576");
  ASSERT_TRUE(r.ok()) << (r.trap ? r.trap->describe() : r.stderr_text);
  EXPECT_EQ(r.output.rfind("grew=1 sum=", 0), 0u) << r.output;

  FunctionConfig tight;
  tight.limits.memory_pages = 80;  // the module starts at 65 pages (4 MiB of them stack)
  Faaslet small(proto_of("heap_reserve", tight));
  r = small.call("65536");
  ASSERT_TRUE(r.ok()) << (r.trap ? r.trap->describe() : r.stderr_text);
  EXPECT_EQ(r.output.rfind("grew=1 sum=", 0), 0u) << r.output;
}

TEST(Faaslet, ResetRevertsATableTheCallChanged) {
  Faaslet f(proto_of("table_reset"));
  for (int i = 0; i < 3; ++i) {
    auto r = f.call("", EntryPoint::exported("call_and_swap"));
    ASSERT_FALSE(r.trap) << r.trap->describe();
    EXPECT_EQ(r.return_code, 1) << "call " << i;
  }
}

TEST(Faaslet, NamedExportsRun) {
  Faaslet f(proto_of("faaslet_state"));
  auto r = f.call("", EntryPoint::exported("bump"));
  ASSERT_FALSE(r.trap);
  EXPECT_EQ(r.return_code, 1);  // counter restored to 0 before, so bump gives 1
  auto missing = f.call("", EntryPoint::exported("no_such_export"));
  ASSERT_TRUE(missing.trap);
  EXPECT_NE(missing.trap->message.find("no export"), std::string::npos);
}

TEST(Faaslet, InputAndOutputPerCall) {
  Faaslet f(proto_of("echo"));
  for (const std::string& in :
       std::vector<std::string>{"one", "two two", "", std::string(100000, 'z')}) {
    auto r = f.call(in);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.output, in);
  }
}

TEST(Faaslet, TrappedFaasletIsDiscardedByThePool) {
  auto proto = proto_of("trap");
  FaasletPool pool(proto, 4);
  auto r = pool.call("");
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.trap->kind, engine::TrapKind::OutOfBounds);
  EXPECT_EQ(pool.idle(), 0u);
  Faaslet f(proto);
  f.call("");
  EXPECT_FALSE(f.reusable());
  EXPECT_THROW(f.call(""), Error);
}

TEST(Faaslet, LimitsAreEnforcedAndDiscard) {
  FunctionConfig config;
  config.limits.timeout = 100ms;
  FaasletPool spin(proto_of("spin", config), 4);
  auto r = spin.call("");
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.trap->kind, engine::TrapKind::Timeout);
  EXPECT_EQ(spin.idle(), 0u);

  FunctionConfig small;
  small.limits.memory_pages = 512;  // 32 MiB
  FaasletPool bomb(proto_of("membomb", small), 4);
  auto b = bomb.call("");
  EXPECT_FALSE(b.trap);
  EXPECT_EQ(b.return_code, 3);
  EXPECT_LE(std::stoi(b.output.substr(10)), 32);

  FunctionConfig quiet;
  quiet.limits.max_output_bytes = 10;
  FaasletPool echo(proto_of("echo", quiet), 4);
  auto e = echo.call("more than ten bytes");
  ASSERT_TRUE(e.trap);
  EXPECT_NE(e.trap->message.find("exceeds the limit"), std::string::npos);
  EXPECT_EQ(echo.call("short").output, "short");
}

TEST(Faaslet, InitialisationTrapIsReported) {
  FunctionConfig config;
  config.limits.memory_pages = 8;
  EXPECT_THROW(proto_of("big_memory", config), engine::TrapError);
}

TEST(ProtoFaaslet, AMallocThatTrapsFailsTheLoadNamingTheHeapReserve) {
  try {
    proto_of("malloc_traps");
    ADD_FAILURE() << "loaded";
  } catch (const engine::TrapError& e) {
    EXPECT_EQ(e.trap().kind, engine::TrapKind::Unreachable);
    EXPECT_NE(std::string(e.what()).find("heap reserve"), std::string::npos) << e.what();
  }
  FunctionConfig none;
  none.limits.heap_reserve_bytes = 0;
  EXPECT_NO_THROW(proto_of("malloc_traps", none));
}

// examples/faasm/faasm_files.c: a file in the working directory lasts one call of a Faaslet;
// a faasm:// file written by one function is read by another.
TEST(Faaslet, WorkingDirectoryFilesLastOneCallAndFaasmFilesOutliveIt) {
  fs::path dir = test::fresh_test_dir("faaslet-faasm-files");
  FunctionConfig config;
  config.host.fs.shared_root = dir;
  config.host.fs.faasm_files = true;
  Faaslet writer(proto_of("faasm_files", config));
  EXPECT_EQ(writer.call("local").output, "local=ok");
  EXPECT_EQ(writer.call("local_gone").output, "local=absent");
  EXPECT_EQ(writer.call("share:from the writer").output, "wrote 15 bytes");
  Faaslet reader(proto_of("faasm_files", config));
  EXPECT_EQ(reader.call("read").output, "from the writer");
  EXPECT_TRUE(writer.reusable());
  fs::remove_all(dir);
}

TEST(FaasletPool, ReusesFaasletsAcrossThreads) {
  FaasletPool pool(proto_of("echo"), 4);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        std::string in = std::to_string(t) + ":" + std::to_string(i);
        if (pool.call(in).output != in) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(pool.created(), 4u);  // never more Faaslets than concurrent callers
  EXPECT_GE(pool.idle(), 1u);
}

// A thread gets back the Faaslet it ran last, even when another was returned after it: its
// reset may then skip the kernel's scan (engine::MemoryImage::KeptPages).
TEST(FaasletPool, HandsAThreadTheFaasletItRanLast) {
  FaasletPool pool(proto_of("sleeper"), 4);
  const uint64_t self = util::this_thread_serial();
  uint64_t other = 0;
  std::thread b([&] {
    std::this_thread::sleep_for(100ms);  // so its Faaslet is returned after this thread's
    other = util::this_thread_serial();
    pool.call("");
  });
  pool.call("");
  b.join();
  ASSERT_EQ(pool.idle_threads(), (std::vector<uint64_t>{self, other}));
  pool.call("");  // takes its own, not the one returned last
  EXPECT_EQ(pool.idle_threads(), (std::vector<uint64_t>{other, self}));
  std::thread([&] { pool.call(""); }).join();  // a stranger takes the one returned last
  std::vector<uint64_t> after = pool.idle_threads();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0], other);
}

// run() leaves the reset to its caller, who may do it on another thread: a long-lived one that
// takes no page fault between resets, while the calls write new pages on this one. Each call
// must still find the snapshot; a second run() before the reset is refused.
TEST(Faaslet, RunThenResetOnAnotherThreadStillGivesEveryCallTheSnapshot) {
  FunctionConfig config;
  config.limits.kept_pages = 4096;
  Faaslet f(proto_of("heavy_reset", config));
  test::OtherThread resetter;
  for (int i = 0; i < 100; ++i) {
    auto r = f.run(std::to_string(i));
    ASSERT_TRUE(r.ok()) << (r.trap ? r.trap->describe() : r.stderr_text);
    EXPECT_EQ(r.output, "counter=0 grown=zero statics=zero") << "call " << i;
    if (i == 0) {
      EXPECT_THROW(f.run("again"), Error);
    }
    resetter.run([&] { f.reset(); });
  }
  EXPECT_TRUE(f.reusable());
}

// With somewhere to leave it, a pool's call leaves its Faaslet's reset for later: the Faaslet
// returns to the pool when that is finished (or dropped), and the next call reuses it. A pool
// not owned by a shared_ptr, or a call that left its Faaslet unusable, leaves nothing.
TEST(FaasletPool, APendingResetReturnsItsFaasletWhenFinished) {
  auto pool = std::make_shared<FaasletPool>(proto_of("traps"), 4);
  faaslet::PendingReset later;
  auto r = pool->call("", EntryPoint::exported("bump"), {}, &later);
  EXPECT_EQ(r.return_code, 1);
  ASSERT_TRUE(later);
  EXPECT_EQ(pool->idle(), 0u);
  later.finish();
  EXPECT_FALSE(later);
  EXPECT_EQ(pool->idle(), 1u);
  {
    faaslet::PendingReset dropped;
    EXPECT_EQ(pool->call("", EntryPoint::exported("bump"), {}, &dropped).return_code, 1);
    EXPECT_EQ(pool->idle(), 0u);
  }
  EXPECT_EQ(pool->idle(), 1u);
  EXPECT_EQ(pool->created(), 1u);
  faaslet::PendingReset after_trap;
  EXPECT_TRUE(pool->call("", EntryPoint::exported("oob"), {}, &after_trap).trap);
  EXPECT_FALSE(after_trap);
  EXPECT_EQ(pool->idle(), 0u);  // the trapped Faaslet was discarded

  FaasletPool unshared(proto_of("traps"), 4);
  faaslet::PendingReset nothing;
  EXPECT_EQ(unshared.call("", EntryPoint::exported("bump"), {}, &nothing).return_code, 1);
  EXPECT_FALSE(nothing);
  EXPECT_EQ(unshared.idle(), 1u);
}

TEST(Faaslet, HundredThousandCyclesReleaseEverything) {
  // A directory of its own: the other Faaslet tests, run in parallel processes, make theirs in
  // the shared root.
  FunctionConfig config;
  config.scratch_parent = scratch_root() / ("cycles-" + std::to_string(getpid()));
  fs::create_directories(config.scratch_parent);
  const fs::path scratch = config.scratch_parent;
  auto proto = proto_of("echo", config);
  {
    Faaslet warm(proto);
    warm.call("x");
  }
  size_t fds = test::open_fd_count(), maps = test::mapping_count();
  size_t vsz = test::virtual_size_kib();
  for (int i = 0; i < 100000; ++i) {
    Faaslet f(proto);
    auto r = f.call("x");
    ASSERT_EQ(r.output, "x");
  }
  EXPECT_EQ(test::open_fd_count(), fds);
  EXPECT_LE(test::mapping_count(), maps + 2);
  EXPECT_LT(test::virtual_size_kib(), vsz + 64 * 1024);
  // Scratch directories (the template's and one reused by every Faaslet) live as long as the
  // function and go with it.
  EXPECT_EQ(std::distance(fs::directory_iterator(scratch), fs::directory_iterator{}), 2);
  proto.reset();
  EXPECT_EQ(std::distance(fs::directory_iterator(scratch), fs::directory_iterator{}), 0);
  fs::remove(scratch);
}

TEST(ProtoFaaslet, ReplacingAFunctionReleasesItsSnapshot) {
  {
    // Warm up what is process-wide and kept: a reset's /proc/self/pagemap descriptor.
    FaasletPool warm(proto_of("hello"), 1);
    warm.call("x");
  }
  size_t fds = test::open_fd_count(), maps = test::mapping_count();
  size_t vsz = test::virtual_size_kib();
  for (int i = 0; i < 300; ++i) {
    auto proto = proto_of("hello");
    FaasletPool pool(proto, 2);
    ASSERT_EQ(pool.call("x").output, "Hello, x!\n");
  }
  EXPECT_EQ(test::open_fd_count(), fds);
  EXPECT_LE(test::mapping_count(), maps + 2);
  EXPECT_LT(test::virtual_size_kib(), vsz + 64 * 1024);
}

}  // namespace
}  // namespace wasmlet
