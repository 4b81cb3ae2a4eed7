// ./run bench python, the host's half: what a Python Faaslet costs. Upload to first call, a
// no-op call through the runtime, the pages a call dirties, and private memory per live idle
// Python Faaslet. (bench/python/python_bench.py measures the programs and HTTP.)
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.h"
#include "faaslet/entry_call.h"
#include "faaslet/faaslet.h"
#include "faaslet/instance_setup.h"
#include "faaslet/proto_faaslet.h"
#include "host/host_imports.h"
#include "runtime/python_interpreter.h"
#include "runtime/runtime.h"
#include "util/files.h"

namespace {

namespace fs = std::filesystem;
using namespace wasmlet;
using bench::progress;
using bench::Series;
using bench::Stats;
using Clock = std::chrono::steady_clock;

constexpr const char* kNoop = "def main(args):\n    return 0\n";
constexpr const char* kJson =
    "import json\n\ndef main(args):\n    return {'echo': args, 'n': len(json.dumps(args))}\n";
constexpr const char* kJsonInput = R"({"user": "ada", "items": [1, 2, 3], "deep": {"k": "v"}})";

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

runtime::CallRecord call_sync(runtime::Runtime& rt, const runtime::FunctionId& id,
                              std::string input) {
  std::promise<runtime::CallRecord> done;
  auto result = done.get_future();
  rt.submit({id, std::move(input)}, [&](const runtime::CallRecord& r) { done.set_value(r); });
  auto r = result.get();
  if (r.status != runtime::CallStatus::Succeeded) {
    throw Error(fmt::format("{} failed: {} {}", id.str(), r.error_kind, r.error_message));
  }
  return r;
}

// KiB of anonymous (copy-on-write copied or newly touched) pages mapped in [begin, begin+len).
double anonymous_kib_in(const void* begin, size_t len) {
  auto lo = reinterpret_cast<uintptr_t>(begin), hi = lo + len;
  std::ifstream in("/proc/self/smaps");
  bool inside = false;
  double kib = 0;
  for (std::string line; std::getline(in, line);) {
    uintptr_t start = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &start, &end) == 2 && line.find('-') < 16) {
      inside = start < hi && end > lo;
      continue;
    }
    if (inside && line.rfind("Anonymous:", 0) == 0) kib += std::strtod(line.c_str() + 10, nullptr);
  }
  return kib;
}

struct Python {
  runtime::PythonInterpreter interpreter;
  fs::path dir;
  std::shared_ptr<const engine::Module> module;

  Python(const fs::path& home, const fs::path& work) : interpreter(home), dir(work) {
    module = interpreter.module(faaslet::load_options());
  }

  std::shared_ptr<faaslet::ProtoFaaslet> proto(const std::string& name, const char* source) {
    fs::path package = dir / name;
    fs::create_directories(package);
    util::write_file_atomic(package / "function.py", source);
    runtime::FunctionInfo info;
    info.id = {"bench", name};
    info.kind = runtime::FunctionKind::Python;
    info.python_entry = {"function", ""};
    faaslet::FunctionConfig config;
    config.scratch_parent = dir / "scratch";
    config.host.identity = {"bench", name};
    interpreter.configure(config, info, package);
    return std::make_shared<faaslet::ProtoFaaslet>(module, std::move(config));
  }
};

// Runs one call in an instance restored from `proto` and counts what it dirtied before any
// reset drops it.
double dirtied_kib(const faaslet::ProtoFaaslet& proto, const std::string& input) {
  auto host = faaslet::make_host_context(proto.config(), {});
  engine::Instance instance(engine::BlankInstance{}, proto.module(),
                            host::host_import_contexts(*host), {});
  host->bind_memory(instance.memory());
  proto.restore_into(instance);
  double before = anonymous_kib_in(instance.memory()->data, size_t{8} << 30);
  host->set_input(input);
  auto r =
      faaslet::run_entry(instance, *host, faaslet::Entry::python(), {std::chrono::seconds(10)});
  if (!r.ok()) throw Error("call failed: " + r.error);
  return anonymous_kib_in(instance.memory()->data, size_t{8} << 30) - before;
}

std::map<std::string, long> memory_reading() {
  auto m = bench::read_kb_fields("/proc/self/smaps_rollup");
  m["VmPTE"] = bench::read_kb_fields("/proc/self/status")["VmPTE"];
  return m;
}

double private_per(const std::map<std::string, long>& before,
                   const std::map<std::string, long>& after, size_t n, bool with_tables) {
  auto delta = [&](const char* k) { return after.at(k) - before.at(k); };
  long kib = delta("Private_Clean") + delta("Private_Dirty") + (with_tables ? delta("VmPTE") : 0);
  return static_cast<double>(kib) / static_cast<double>(n);
}

void raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::cerr << "usage: python_faaslet_bench PYTHON_HOME [CALLS]\n";
    return 2;
  }
  fs::path home = fs::absolute(argv[1]);
  size_t calls = argc > 2 ? std::stoul(argv[2]) : 3000;
  raise_fd_limit();
  util::TempDir work(fs::temp_directory_path(), "wasmlet-python-bench");
  std::string out;

  // Through the runtime, as the server runs calls.
  runtime::RuntimeConfig rc;
  rc.data_dir = work.path() / "data";
  rc.python_home = home;
  rc.executor_threads = 1;
  runtime::Runtime rt(rc);
  progress("upload and first calls");
  auto t0 = Clock::now();
  rt.upload_python({"bench", "noop"}, kNoop);
  auto t1 = Clock::now();
  call_sync(rt, {"bench", "noop"}, "");
  auto t2 = Clock::now();
  rt.upload_python({"bench", "json"}, kJson);
  auto t3 = Clock::now();
  call_sync(rt, {"bench", "json"}, kJsonInput);
  auto t4 = Clock::now();

  progress("{} no-op calls through the runtime", calls);
  Series noop{"no-op call", {}}, json{"JSON call", {}};
  for (size_t i = 0; i < calls; ++i) {
    auto a = Clock::now();
    call_sync(rt, {"bench", "noop"}, "");
    auto b = Clock::now();
    call_sync(rt, {"bench", "json"}, kJsonInput);
    noop.add(b - a);
    json.add(Clock::now() - b);
  }
  Stats sn = noop.stats(), sj = json.stats();

  // Faaslets directly: what a call dirties, and what a live idle Faaslet holds.
  progress("pages dirtied and memory per Faaslet");
  Python py(home, work.path() / "faaslets");
  auto noop_proto = py.proto("noop", kNoop);
  auto json_proto = py.proto("json", kJson);
  double noop_dirty = dirtied_kib(*noop_proto, "");
  Series direct{"Faaslet call", {}}, reset{"reset", {}};
  {
    faaslet::Faaslet f(noop_proto);
    for (size_t i = 0; i < calls; ++i) {
      auto a = Clock::now();
      auto r = f.call("", faaslet::Entry::python());
      direct.add(Clock::now() - a);
      reset.add(f.last_reset_time());
      if (!r.ok()) throw Error("call failed: " + r.error);
    }
  }
  double json_dirty = dirtied_kib(*json_proto, kJsonInput);

  struct MemoryRow {
    size_t n;
    double idle, idle_tables, called, called_tables;
  };
  std::vector<MemoryRow> rows;
  for (size_t n : {size_t{100}, size_t{1000}}) {
    std::vector<std::unique_ptr<faaslet::Faaslet>> live;
    live.reserve(n);
    auto before = memory_reading();
    for (size_t i = 0; i < n; ++i) live.push_back(std::make_unique<faaslet::Faaslet>(noop_proto));
    auto idle = memory_reading();
    for (auto& f : live) {
      auto r = f->call("", faaslet::Entry::python());
      if (!r.ok()) throw Error("call failed: " + r.error);
    }
    auto called = memory_reading();
    rows.push_back({n, private_per(before, idle, n, false), private_per(before, idle, n, true),
                    private_per(before, called, n, false), private_per(before, called, n, true)});
    progress("  {} live: {:.1f} KiB idle, {:.1f} KiB after a call", n, rows.back().idle_tables,
             rows.back().called_tables);
  }

  out += fmt::format("## Python Faaslets (host side)\n\n{}\n\n", bench::machine_line());
  out += "| measure | value |\n|---|---:|\n";
  out += fmt::format(
      "| upload to first call, first Python function (interpreter loaded) | "
      "{:.1f} ms + {:.2f} ms |\n",
      ms(t1 - t0), ms(t2 - t1));
  out += fmt::format("| upload to first call, second function | {:.1f} ms + {:.2f} ms |\n",
                     ms(t3 - t2), ms(t4 - t3));
  out +=
      fmt::format("| no-op call through the runtime, median / p99 (N={}) | {:.1f} / {:.1f} us |\n",
                  sn.n, sn.median, sn.p99);
  out += fmt::format(
      "| JSON main(args) call through the runtime, median / p99 | {:.1f} / {:.1f} us |\n",
      sj.median, sj.p99);
  out += fmt::format(
      "| no-op call on one Faaslet (no scheduling), median / p99 | {:.1f} / {:.1f} us |\n",
      direct.stats().median, direct.stats().p99);
  out += fmt::format("| of which the reset (restore from the snapshot), median | {:.1f} us |\n",
                     reset.stats().median);
  out += fmt::format("| Faasm's reset per call (its paper) / Wasmlet's no-op call | {:.0f}x |\n",
                     3600.0 / sn.median);
  out += fmt::format("| memory a no-op call dirties | {:.0f} KiB ({:.0f} pages) |\n", noop_dirty,
                     noop_dirty / 4);
  out += fmt::format("| memory a JSON call dirties | {:.0f} KiB ({:.0f} pages) |\n", json_dirty,
                     json_dirty / 4);
  out +=
      "\n| live Python Faaslets | private KiB each, idle | with page tables | after one call "
      "and reset | with page tables |\n|---:|---:|---:|---:|---:|\n";
  for (const auto& r : rows) {
    out += fmt::format("| {} | {:.1f} | {:.1f} | {:.1f} | {:.1f} |\n", r.n, r.idle, r.idle_tables,
                       r.called, r.called_tables);
  }
  const MemoryRow& big = rows.back();
  out += fmt::format(
      "\nTargets: no-op call {:.1f} us <= 50 us {}; {:.0f}x faster than Faasm's 3.6 ms reset "
      ">= 50x {}; {:.1f} KiB per idle Faaslet at 1,000 live (page tables included) <= 256 KiB "
      "{}.\n",
      sn.median, sn.median <= 50 ? "MET" : "MISSED", 3600.0 / sn.median,
      3600.0 / sn.median >= 50 ? "MET" : "MISSED", big.called_tables,
      big.called_tables <= 256 ? "MET" : "MISSED");
  std::cout << out << std::flush;
  return 0;
} catch (const std::exception& e) {
  std::cerr << "python_faaslet_bench: " << e.what() << '\n';
  return 1;
}
