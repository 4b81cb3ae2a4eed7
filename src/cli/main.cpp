// The `wasmlet` command.
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>

#include "cli/admin_command.h"
#include "cli/bench_command.h"
#include "cli/client_commands.h"
#include "cli/flask_command.h"
#include "cli/guest_cc.h"
#include "cli/serve_command.h"
#include "engine/engine.h"
#include "faaslet/faaslet.h"
#include "faaslet/faaslet_pool.h"
#include "faaslet/instance_setup.h"
#include "faaslet/proto_faaslet.h"
#include "faaslet/run_once.h"
#include "util/files.h"
#include "util/stats.h"
#include "util/units.h"

namespace {

using namespace wasmlet;
namespace fs = std::filesystem;

struct RunArgs {
  std::string wasm, input, input_file, timeout = "60s", memory_limit = "1GiB", root, scratch;
  std::vector<std::string> guest_args, env;
  int repeat = 1;
};

double micros(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

void print_output(const faaslet::CallResult& r) {
  std::cout << r.stdout_text << r.output;
  // Keep a terminal prompt on its own line; pipes get the bytes exactly.
  std::string_view tail = r.output.empty() ? r.stdout_text : r.output;
  if (!tail.empty() && tail.back() != '\n' && isatty(STDOUT_FILENO)) std::cout << '\n';
  std::cout << std::flush;
  std::cerr << r.stderr_text;
  if (r.trap) throw Error(fmt::format("trap: {}", r.trap->describe()));
}

// Runs the function `repeat` times: the first call starts cold (snapshot, then a Faaslet
// restored from it), the rest reuse restored Faaslets from a pool.
int run_repeated(const std::shared_ptr<const engine::Module>& module,
                 faaslet::FunctionConfig config, const std::string& input, int repeat,
                 const std::string& compiled) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  auto proto = std::make_shared<faaslet::ProtoFaaslet>(module, std::move(config));
  auto first = std::make_unique<faaslet::Faaslet>(proto);
  auto first_result = first->call(input);
  auto cold = Clock::now() - t0;
  print_output(first_result);

  faaslet::FaasletPool pool(proto, 1);
  std::vector<double> warm;
  for (int i = 1; i < repeat; ++i) {
    auto t = Clock::now();
    auto r = pool.call(input);
    warm.push_back(micros(Clock::now() - t));
    if (!r.ok()) {
      print_output(r);
      std::cerr << fmt::format("wasmlet: call {} returned {}\n", i + 1, r.return_code);
      return r.return_code;
    }
  }
  util::Stats stats = util::stats_of(std::move(warm));
  std::cerr << fmt::format(
      "wasmlet: return code {}; cold {:.0f} us (snapshot {:.0f} us){}; warm over {} calls: "
      "median {:.1f} us, p99 {:.1f} us (restore + run + reset)\n",
      first_result.return_code, micros(cold), micros(proto->init_time()), compiled, stats.n,
      stats.median, stats.p99);
  return first_result.return_code;
}

int run_cmd(const RunArgs& a) {
  engine::Engine engine;
  auto bytes = util::read_file(a.wasm);
  auto module = engine.load(bytes, faaslet::load_options());

  faaslet::FunctionConfig config;
  config.host.args.push_back(fs::path(a.wasm).filename().string());
  config.host.args.insert(config.host.args.end(), a.guest_args.begin(), a.guest_args.end());
  config.host.env = a.env;
  config.host.fs.shared_root = a.root;
  config.host.fs.scratch_dir = a.scratch;
  config.scratch_parent = a.scratch;
  config.limits.timeout = util::parse_duration(a.timeout);
  config.limits.memory_pages = util::parse_memory_pages(a.memory_limit);
  std::string input = a.input;
  if (!a.input_file.empty()) {
    auto raw = util::read_file(a.input_file);
    input.assign(raw.begin(), raw.end());
  }
  std::string compiled =
      module->cache_hit() ? "" : fmt::format(", compiled in {:.2f} s", module->compile_seconds());
  if (a.repeat > 1) return run_repeated(module, std::move(config), input, a.repeat, compiled);

  auto r = faaslet::run_once(module, config, input);
  print_output(r);
  std::cerr << fmt::format("wasmlet: return code {} (instantiate {:.0f} us, run {:.0f} us{})\n",
                           r.return_code, micros(r.instantiate_time), micros(r.run_time), compiled);
  return r.return_code;
}

// Each instance may hold many descriptors (preopens, guest files): use all the system allows.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

struct CompileArgs {
  std::string file;
  std::string time_limit = "10m";
  bool profile_generate = false;
  std::string profile_use;
};

int compile_cmd(const CompileArgs& a) {
  engine::CompilerConfig config;
  // The operator's own module: the time limit bounds each compiler process's CPU time too.
  config.compile_limits.wall_time = config.compile_limits.cpu_time = std::max(
      std::chrono::seconds(1),
      std::chrono::duration_cast<std::chrono::seconds>(util::parse_duration(a.time_limit)));
  if (a.profile_generate) {
    config.profile = {engine::CompileProfile::Mode::generate, {}};
  } else if (!a.profile_use.empty()) {
    config.profile = {engine::CompileProfile::Mode::use, a.profile_use};
  }
  engine::Engine engine(std::move(config));
  auto bytes = util::read_file(a.file);
  auto m = engine.load(bytes, faaslet::load_options());
  std::cout << fmt::format(
      "{}: {}\n", a.file,
      m->cache_hit() ? "cached" : fmt::format("compiled in {:.2f} s", m->compile_seconds()));
  return 0;
}

// `wasmlet cc`'s own options are parsed by CLI11; what remains are sources and clang flags.
int cc_cmd(const CLI::App& sub, cli::GuestCcOptions cc, const std::string& stack_size) {
  cli::add_guest_cc_args(cc, sub.remaining());
  cc.stack_size = util::parse_bytes(stack_size);
  return cli::guest_cc(cc);
}

CLI::App* add_run_command(CLI::App& app, RunArgs& run) {
  auto* sub = app.add_subcommand("run", "Run a WASI command module once and print its output");
  sub->add_option("wasm", run.wasm, "Module to run")->required()->check(CLI::ExistingFile);
  auto* in_opt = sub->add_option("--input", run.input, "Input bytes (read by faasmGetInput)");
  sub->add_option("--input-file", run.input_file, "Read the input from a file")
      ->check(CLI::ExistingFile)
      ->excludes(in_opt);
  sub->add_option("--timeout", run.timeout, "Time limit, e.g. 10s, 500ms")->capture_default_str();
  sub->add_option("--memory-limit", run.memory_limit, "Linear memory limit, e.g. 64MiB")
      ->capture_default_str();
  sub->add_option("--dir", run.root, "Directory the guest sees read-only as /")
      ->check(CLI::ExistingDirectory);
  sub->add_option("--scratch", run.scratch, "Directory the guest sees writable as /tmp")
      ->check(CLI::ExistingDirectory);
  sub->add_option("--repeat", run.repeat,
                  "Run N times: the first call cold (snapshot + restore), the rest warm")
      ->check(CLI::Range(1, 10000000));
  sub->add_option("--env", run.env, "Environment variable for the guest, KEY=VALUE (repeatable)");
  sub->add_option("args", run.guest_args, "Arguments for the guest (after --)");
  return sub;
}

}  // namespace

int main(int argc, char** argv) {
  raise_fd_limit();
  CLI::App app{"Wasmlet: a serverless runtime for WebAssembly functions"};
  app.require_subcommand(1);

  RunArgs run;
  auto* run_sub = add_run_command(app, run);

  cli::GuestCcOptions cc;
  auto* cc_sub = app.add_subcommand("cc", "Compile C/C++ to wasm32-wasi with the Wasmlet SDK");
  cc_sub->add_option("-o", cc.output, "Output .wasm")->required();
  cc_sub->add_flag("-v,--verbose", cc.verbose, "Print the compiler command");
  std::string stack_size = "4MiB";
  cc_sub->add_option("--stack-size", stack_size, "Guest stack size, e.g. 8MiB")
      ->capture_default_str();
  cc_sub->footer(cli::kGuestCcHelp);
  cc_sub->allow_extras();  // sources and any clang flags

  CompileArgs compile;
  auto* compile_sub =
      app.add_subcommand("compile", "Compile a module into the cache and report the time");
  compile_sub->add_option("wasm", compile.file, "Module")->required()->check(CLI::ExistingFile);
  compile_sub
      ->add_option("--compile-time-limit", compile.time_limit,
                   "Wall time the compile may take (wasm2c and clang, killed as a group)")
      ->capture_default_str();
  auto* generate = compile_sub->add_flag(
      "--profile-generate", compile.profile_generate,
      "Instrument the code: it writes a profile ($LLVM_PROFILE_FILE) when unloaded");
  compile_sub
      ->add_option(
          "--profile-use", compile.profile_use,
          "Optimise with this profile (llvm-profdata merge of what --profile-generate wrote)")
      ->check(CLI::ExistingFile)
      ->excludes(generate);

  cli::ServeOptions serve;
  auto* serve_sub = app.add_subcommand("serve", "Run the Wasmlet server (HTTP API)");
  cli::add_serve_options(*serve_sub, serve);

  auto* flask_sub = app.add_subcommand(
      "flask", "Deploy a Flask app: wasmlet flask deploy|proxy|remove MODULE:APP (see --help)");
  flask_sub->prefix_command();  // everything after `flask` goes to the adapter

  cli::ClientOptions client;
  cli::add_client_commands(app, client);

  cli::AdminOptions admin;
  cli::add_admin_command(app, admin);

  cli::BenchOptions bench;
  cli::add_bench_command(app, bench);

  CLI11_PARSE(app, argc, argv);

  try {
    if (*serve_sub) return cli::serve_main(serve);
    if (*flask_sub) return cli::flask_main(flask_sub->remaining());
    bool handled = false;
    int client_rc = cli::run_client_command(app, client, handled);
    if (handled) return client_rc;
    int admin_rc = cli::run_admin_command(app, admin, handled);
    if (handled) return admin_rc;
    int bench_rc = cli::run_bench_command(app, bench, handled);
    if (handled) return bench_rc;
    if (*run_sub) return run_cmd(run);
    if (*cc_sub) return cc_cmd(*cc_sub, cc, stack_size);
    if (*compile_sub) return compile_cmd(compile);
  } catch (const std::exception& e) {
    std::cerr << "wasmlet: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
