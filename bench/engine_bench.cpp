// Wasm vs native on the same C sources, alternated in one process so both see the same machine
// state: per-kernel medians, the ratio, the geometric mean, and compile time per module.
#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "bench_support.h"
#include "engine/engine.h"
#include "faaslet/instance_setup.h"
#include "faaslet/run_once.h"
#include "util/error.h"
#include "util/files.h"
#include "util/subprocess.h"

namespace {

using namespace wasmlet;
using bench::check;
using bench::stats_of;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Runs fn with stdout pointed at /dev/null: native kernels print their checksum.
template <class F>
void quietly(F&& fn) {
  std::fflush(stdout);
  int saved = dup(1);
  int devnull = open("/dev/null", O_WRONLY);
  dup2(devnull, 1);
  close(devnull);
  fn();
  std::fflush(stdout);
  dup2(saved, 1);
  close(saved);
}

struct Row {
  std::string name;
  double native_ms, wasm_ms, stock_ms, compile_s;
};

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 9;
  // Every run starts from fresh memory on both sides, as a new process would: a Wasmlet run is a
  // fresh instance, whose heap comes from memory.grow. glibc, left alone, raises its mmap
  // threshold after the first large free, so later native runs would reuse the bench process's
  // heap with its pages already mapped and skip the page faults the wasm run pays (sieve's 10 MB
  // array: 1.30x that way, 1.00x when both start fresh). A fixed threshold keeps it at the
  // default a fresh process starts with.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  fs::path work = fs::temp_directory_path() / fmt::format("wasmlet-bench-{}", getpid());
  fs::create_directories(work);
  engine::Engine engine(engine::CompilerConfig{work / "cache"});
  engine::LoadOptions options = faaslet::load_options();

  std::vector<fs::path> kernels;
  for (const auto& e : fs::directory_iterator(WASMLET_KERNELS_DIR)) {
    if (e.path().extension() == ".c") kernels.push_back(e.path());
  }
  std::sort(kernels.begin(), kernels.end());

  std::vector<Row> rows;
  for (const auto& src : kernels) {
    std::string name = src.stem().string();
    fs::path so = work / (name + ".so"), wasm = work / (name + ".wasm");
    check(util::run_process({WASMLET_GUEST_CC, "-O2", "-fPIC", "-shared", "-Dmain=kernel_main",
                             src.string(), "-o", so.string(), "-lm"}),
          "native build of " + name);
    check(util::run_process({WASMLET_EXE_PATH, "cc", src.string(), "-o", wasm.string(), "-lm"}),
          "wasm build of " + name);

    void* handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) throw Error(dlerror());
    auto kernel = reinterpret_cast<int (*)()>(dlsym(handle, "kernel_main"));
    auto bytes = util::read_file(wasm);
    auto module = engine.load(bytes, options);
    engine::LoadOptions stock = options;
    stock.codegen.hoist_memory_base = false;
    auto stock_module = engine.load(bytes, stock);

    // Same answer both ways, or the comparison means nothing.
    std::string native_out;
    {
      fs::path out = work / (name + ".out");
      std::fflush(stdout);
      int saved = dup(1);
      int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      close(fd);
      kernel();
      std::fflush(stdout);
      dup2(saved, 1);
      close(saved);
      native_out = util::read_text_file(out);
    }
    auto first = faaslet::run_once(module, {}, "");
    if (first.stdout_text != native_out) {
      throw Error(
          fmt::format("{}: wasm printed '{}', native '{}'", name, first.stdout_text, native_out));
    }

    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::vector<double> native_ms, wasm_ms, stock_ms;
    for (int i = 0; i < runs; ++i) {
      auto t0 = Clock::now();
      quietly([&] { kernel(); });
      auto t1 = Clock::now();
      bool ok = faaslet::run_once(module, {}, "").ok();
      auto t2 = Clock::now();
      ok = faaslet::run_once(stock_module, {}, "").ok() && ok;
      auto t3 = Clock::now();
      if (!ok) throw Error(name + " failed under wasm");
      native_ms.push_back(ms(t1 - t0));
      wasm_ms.push_back(ms(t2 - t1));
      stock_ms.push_back(ms(t3 - t2));
    }
    rows.push_back({name, stats_of(native_ms).median, stats_of(wasm_ms).median,
                    stats_of(stock_ms).median, module->compile_seconds()});
    dlclose(handle);
    std::cerr << fmt::format("{:>14}: native {:7.2f} ms  wasm {:7.2f} ms  ratio {:.3f}\n", name,
                             rows.back().native_ms, rows.back().wasm_ms,
                             rows.back().wasm_ms / rows.back().native_ms);
  }

  double log_sum = 0, worst = 0;
  std::cout << fmt::format(
      "\n| kernel | native ms (median of {}) | wasm ms | wasm/native | stock wasm2c loads/native "
      "| compile s |\n",
      runs);
  std::cout << "|---|---:|---:|---:|---:|---:|\n";
  for (const auto& r : rows) {
    double ratio = r.wasm_ms / r.native_ms;
    log_sum += std::log(ratio);
    worst = std::max(worst, ratio);
    std::cout << fmt::format("| {} | {:.2f} | {:.2f} | {:.3f} | {:.3f} | {:.2f} |\n", r.name,
                             r.native_ms, r.wasm_ms, ratio, r.stock_ms / r.native_ms, r.compile_s);
  }
  double geomean = std::exp(log_sum / static_cast<double>(rows.size()));
  std::cout << fmt::format("\ngeometric mean wasm/native: {:.3f} (worst {:.3f})\n", geomean, worst);

  // calloc of 32 MiB on a fresh heap, as timed by the program itself (bench/guests/calloc_fresh.c):
  // natively, through Wasmlet as `wasmlet cc` links it, and with wasi-libc's own calloc.
  {
    fs::path src = fs::path(WASMLET_BENCH_GUESTS_DIR) / "calloc_fresh.c";
    fs::path so = work / "calloc_fresh.so", wasm = work / "calloc_fresh.wasm";
    fs::path plain = work / "calloc_fresh_wasi_libc.wasm";
    check(util::run_process({WASMLET_GUEST_CC, "-O2", "-fPIC", "-shared", "-Dmain=kernel_main",
                             src.string(), "-o", so.string()}),
          "native build of calloc_fresh");
    check(util::run_process({WASMLET_EXE_PATH, "cc", src.string(), "-o", wasm.string()}),
          "wasm build of calloc_fresh");
    check(util::run_process({WASMLET_GUEST_CC, "--target=wasm32-wasi",
                             "--sysroot=" + (engine::default_cache_dir() / "sysroot").string(),
                             "-O2", src.string(), "-o", plain.string()}),
          "wasm build of calloc_fresh with wasi-libc's calloc");
    void* handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) throw Error(dlerror());
    auto native = reinterpret_cast<int (*)()>(dlsym(handle, "kernel_main"));
    auto ours = engine.load(util::read_file(wasm), options);
    auto theirs = engine.load(util::read_file(plain), options);
    auto timed = [](const faaslet::RunOnceResult& r) {
      if (!r.ok()) throw Error("calloc_fresh failed under wasm");
      return std::stod(r.stdout_text);
    };
    std::vector<double> native_ms, ours_ms, theirs_ms;
    fs::path out = work / "calloc_fresh.out";
    for (int i = 0; i < runs; ++i) {
      std::fflush(stdout);
      int saved = dup(1);
      int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      close(fd);
      int rc = native();
      std::fflush(stdout);
      dup2(saved, 1);
      close(saved);
      if (rc != 0) throw Error("calloc_fresh failed natively");
      native_ms.push_back(std::stod(util::read_text_file(out)));
      ours_ms.push_back(timed(faaslet::run_once(ours, {}, "")));
      theirs_ms.push_back(timed(faaslet::run_once(theirs, {}, "")));
    }
    dlclose(handle);
    std::cout << fmt::format(
        "\ncalloc(32 MiB) of fresh memory, ms (median of {}): native {:.3f}, Wasmlet {:.3f}, "
        "Wasmlet with wasi-libc's calloc {:.3f}\n",
        runs, stats_of(native_ms).median, stats_of(ours_ms).median, stats_of(theirs_ms).median);
  }
  fs::remove_all(work);
  return 0;
}
