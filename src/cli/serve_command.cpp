#include "cli/serve_command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "auth/tenant_store.h"
#include "cli/buffered_stdout_sink.h"
#include "cluster/cluster_node.h"
#include "runtime/runtime.h"
#include "server/http_server.h"
#include "server/tenant_policy.h"
#include "util/error.h"
#include "util/units.h"
#include "workflow/workflow_registry.h"

#ifndef WASMLET_BUILT_PYTHON_HOME
#define WASMLET_BUILT_PYTHON_HOME ""
#endif

namespace wasmlet::cli {

namespace {

namespace fs = std::filesystem;

// The option's text as a quantity; a bad one is the option's validation error.
template <class Parse>
auto quantity(Parse parse, const std::string& text) {
  try {
    return parse(text);
  } catch (const util::BadQuantity& e) {
    throw CLI::ValidationError(e.what());
  }
}

// Only this machine can reach it.
bool loopback(const std::string& address) {
  if (address == "localhost") return true;
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(address, ec);
  return !ec && ip.is_loopback();
}

std::string url_host(const std::string& address) {
  return address.find(':') == std::string::npos ? address : "[" + address + "]";
}

// Where peers reach this host: --advertise, else the address it listens on when that names one.
cluster::ClusterConfig cluster_config(const ServeOptions& o) {
  cluster::ClusterConfig c;
  c.redis_url = o.cluster_url;
  c.advertise = o.advertise;
  if (c.advertise.empty()) {
    boost::system::error_code ec;
    auto ip = boost::asio::ip::make_address(o.address, ec);
    if ((!ec && ip.is_unspecified()) || o.port == 0) {
      throw Error(
          fmt::format("--cluster: peers cannot reach {}:{}; say where they can with "
                      "--advertise HOST:PORT",
                      o.address, o.port));
    }
    c.advertise = fmt::format("{}:{}", url_host(o.address), o.port);
  }
  c.host_id = o.host_id;
  if (c.host_id.empty()) {
    char name[256] = {};
    gethostname(name, sizeof name - 1);
    c.host_id = fmt::format("{}:{}", name, o.port);
  }
  return c;
}

}  // namespace

fs::path default_python_home() {
  if (const char* env = std::getenv("WASMLET_PYTHON_HOME"); env && *env) return env;
  fs::path built = WASMLET_BUILT_PYTHON_HOME;
  return !built.empty() && fs::exists(built / "python.wasm") ? built : fs::path();
}

namespace {

// Connections, Proto-Faaslets and state segments each hold descriptors; the usual soft limit
// (1024) runs out long before the hard one, so take what the hard limit allows.
void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("cannot read the file descriptor limit: {}", std::strerror(errno));
    return;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      spdlog::warn("cannot raise the file descriptor limit from {}: {}", before,
                   std::strerror(errno));
      return;
    }
  }
  spdlog::info("file descriptor limit {}", limit.rlim_cur);
}

}  // namespace

fs::path default_data_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return fs::path(xdg) / "wasmlet";
  const char* home = std::getenv("HOME");
  if (!home || !*home) throw Error("neither XDG_DATA_HOME nor HOME is set: pass --data-dir");
  return fs::path(home) / ".local" / "share" / "wasmlet";
}

void add_serve_options(CLI::App& sub, ServeOptions& o) {
  sub.add_option("--address", o.address, "Address to listen on")->capture_default_str();
  sub.add_option("--port", o.port, "Port to listen on (0: any free port)")->capture_default_str();
  sub.add_option("--io-threads", o.io_threads,
                 "Threads serving connections (0: one per core, at least two); short calls of "
                 "warm functions run on all but one of them")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  sub.add_option("--executor-threads", o.executor_threads, "Threads running calls")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  sub.add_option("--data-dir", o.data_dir,
                 "Functions, compile cache and shared files (default: $XDG_DATA_HOME/wasmlet "
                 "or ~/.local/share/wasmlet)");
  sub.add_option("--queue-capacity", o.queue_capacity,
                 "Calls that may wait for an executor; beyond this, 503")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  sub.add_option("--tenant-queue-capacity", o.tenant_queue_capacity,
                 "Calls one tenant may have waiting; beyond this, 503 for that tenant")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  sub.add_option_function<std::string>(
         "--queue-bytes",
         [&o](const std::string& s) { o.queue_bytes = quantity(util::parse_bytes, s); },
         "Input bytes the waiting calls may hold in all (an async call's input waits here after "
         "its 202); beyond this, 503")
      ->default_str("2GiB");
  sub.add_option_function<std::string>(
         "--tenant-queue-bytes",
         [&o](const std::string& s) { o.tenant_queue_bytes = quantity(util::parse_bytes, s); },
         "Input bytes one tenant's waiting calls may hold; beyond this, 503 for that tenant")
      ->default_str("512MiB");
  sub.add_option("--burst-slots", o.burst_slots,
                 "Calls of tenants with nothing running that start at once when every "
                 "executor is busy with other tenants")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  sub.add_option("--max-tree-calls", o.max_tree_calls,
                 "Calls one request may make in all, chained calls included")
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
  sub.add_option_function<std::string>(
         "--max-body",
         [&o](const std::string& s) { o.max_body_bytes = quantity(util::parse_bytes, s); },
         "Largest request body, e.g. 64MiB; beyond this, 413")
      ->default_str("64MiB");
  sub.add_option_function<std::string>(
         "--max-body-memory",
         [&o](const std::string& s) { o.max_body_memory = quantity(util::parse_bytes, s); },
         "What the bodies of all requests being served may take together; a body past it is "
         "refused with 503")
      ->default_str("1GiB");
  sub.add_option_function<std::string>(
         "--max-module-size",
         [&o](const std::string& s) { o.max_module_bytes = quantity(util::parse_bytes, s); },
         "Largest module an upload may hold; more is refused with 400 naming the limit")
      ->default_str("64MiB");
  sub.add_option_function<std::string>(
         "--compile-time-limit",
         [&o](const std::string& s) { o.compile_time = quantity(util::parse_duration, s); },
         "Wall time compiling one upload may take (wasm2c and clang, killed as a group)")
      ->default_str("10m");
  sub.add_option("--max-connections", o.max_connections,
                 "Open connections served; beyond this, 503 (a few more still get /healthz)")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  sub.add_option_function<std::string>(
         "--timeout", [&o](const std::string& s) { o.timeout = quantity(util::parse_duration, s); },
         "Time limit per call, e.g. 60s, 500ms")
      ->default_str("60s");
  sub.add_option_function<std::string>(
         "--memory-limit",
         [&o](const std::string& s) { o.memory_pages = quantity(util::parse_memory_pages, s); },
         "Linear memory limit per Faaslet, e.g. 256MiB")
      ->default_str("1GiB");
  sub.add_option_function<std::string>(
         "--heap-reserve",
         [&o](const std::string& s) { o.heap_reserve_bytes = quantity(util::parse_bytes, s); },
         "Free memory left in each function's allocator before its snapshot, so that calls "
         "allocating up to this much do not grow memory (0: none; docs/faaslets.md)")
      ->default_str("4MiB");
  sub.add_option("--state", o.state_url,
                 "Global state tier: redis://HOST:PORT (default: in this process)");
  sub.add_option("--cluster", o.cluster_url,
                 "Join the cluster whose shared truth is this Redis: redis://HOST:PORT "
                 "(docs/cluster.md)")
      ->envname("WASMLET_CLUSTER");
  sub.add_option("--host-id", o.host_id,
                 "This host's id in the cluster (default: the hostname and the port)")
      ->envname("WASMLET_HOST_ID");
  sub.add_option("--advertise", o.advertise,
                 "HOST:PORT the cluster's peers reach this host at (default: --address and "
                 "--port; needed when those are 0.0.0.0 or 0)")
      ->envname("WASMLET_ADVERTISE");
  sub.add_option("--python-home", o.python_home,
                 "CPython for WASI and its libraries (default: $WASMLET_PYTHON_HOME or the one "
                 "this build made)");
  sub.add_option_function<std::string>(
         "--capture-stdout", [&o](const std::string& s) { o.capture_stdout = s == "on"; },
         "Faasm API: put what a call printed before its output (on, off)")
      ->check(CLI::IsMember({"on", "off"}))
      ->default_str("on");
  sub.add_option_function<std::string>(
         "--hand-over-resets", [&o](const std::string& s) { o.hand_over_resets = s == "on"; },
         "Reset a Faaslet whose reset takes 20 us or more after its call's result is sent, on "
         "an idle executor when a core is free (on, off)")
      ->check(CLI::IsMember({"on", "off"}))
      ->default_str("on");
  sub.add_flag("--allow-open", o.allow_open,
               "Serve with no API keys on an address other than loopback: anyone who reaches it "
               "may do anything (without keys, the server refuses such an address)");
  auto* cert = sub.add_option("--tls-cert", o.tls_cert,
                              "Serve HTTPS with this PEM certificate chain (the server's first); "
                              "needs --tls-key");
  auto* key = sub.add_option("--tls-key", o.tls_key, "The PEM private key of --tls-cert");
  cert->needs(key);
  key->needs(cert);
  sub.add_option("--log-level", o.log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
}

int serve_main(const ServeOptions& o) {
  // One log line per request, formatted and buffered on the request's thread: written to
  // stdout in large blocks, at once for warnings and errors, and at least every second.
  auto logger = std::make_shared<spdlog::logger>("wasmlet", std::make_shared<BufferedStdoutSink>());
  struct FlushAtExit {
    ~FlushAtExit() { spdlog::shutdown(); }
  } flush_at_exit;
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  spdlog::set_level(spdlog::level::from_str(o.log_level));

  raise_fd_limit();

  // Installed before any thread starts, so a signal anywhere in the process lands here.
  boost::asio::io_context signal_ctx;
  boost::asio::signal_set signals(signal_ctx, SIGINT, SIGTERM);

  runtime::RuntimeConfig rc;
  if (o.max_body_memory < o.max_body_bytes) {
    throw Error(fmt::format("--max-body-memory ({} bytes) must be at least --max-body ({} bytes)",
                            o.max_body_memory, o.max_body_bytes));
  }
  // Else an async call the server accepts could never be queued.
  if (o.tenant_queue_bytes < o.max_body_bytes || o.queue_bytes < o.tenant_queue_bytes) {
    throw Error(fmt::format(
        "--queue-bytes ({} bytes) must be at least --tenant-queue-bytes ({} bytes), and that at "
        "least --max-body ({} bytes)",
        o.queue_bytes, o.tenant_queue_bytes, o.max_body_bytes));
  }
  rc.data_dir = o.data_dir.empty() ? default_data_dir() : o.data_dir;
  // Before the runtime, which its policy serves, and the server.
  auth::TenantStore tenants(rc.data_dir);
  const bool open = !tenants.has_keys();
  if (open && !loopback(o.address) && !o.allow_open) {
    throw Error(fmt::format(
        "refusing to serve {} with no API keys: anyone who reaches it could upload and run code "
        "and read every tenant's data. Create an admin key first (wasmlet admin --data-dir {} "
        "tenant add NAME --admin; wasmlet admin --data-dir {} key create NAME), or pass "
        "--allow-open",
        o.address, rc.data_dir.string(), rc.data_dir.string()));
  }
  server::StoreTenantPolicy tenant_policy(tenants);
  rc.shared_files_per_tenant = !open;
  rc.executor_threads = o.executor_threads;
  rc.state_url = o.state_url;
  rc.queue.capacity = o.queue_capacity;
  rc.queue.per_tenant = o.tenant_queue_capacity;
  rc.queue.bytes = o.queue_bytes;
  rc.queue.per_tenant_bytes = o.tenant_queue_bytes;
  rc.burst_slots = o.burst_slots;
  rc.hand_over_resets = o.hand_over_resets;
  rc.call_budget.max_calls = o.max_tree_calls;
  rc.limits.timeout = o.timeout;
  rc.module_limits.bytes = o.max_module_bytes;
  rc.compile_limits.wall_time = std::max(
      std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(o.compile_time));
  rc.limits.memory_pages = o.memory_pages;
  rc.limits.heap_reserve_bytes = o.heap_reserve_bytes;
  rc.python_home = o.python_home.empty() ? default_python_home() : o.python_home;
  size_t io_threads =
      o.io_threads != 0 ? o.io_threads : std::max<size_t>(2, std::thread::hardware_concurrency());
  rc.max_inline_calls = io_threads;  // every I/O thread; the server's standby covers long ones
  runtime::Runtime runtime(rc);
  runtime.set_tenant_policy(&tenant_policy);

  server::ServerConfig sc;
  sc.address = o.address;
  sc.port = o.port;
  sc.io_threads = io_threads;
  sc.max_body_bytes = o.max_body_bytes;
  sc.max_body_memory = o.max_body_memory;
  sc.max_connections = o.max_connections;
  sc.capture_stdout = o.capture_stdout;
  sc.tls_cert_file = o.tls_cert;
  sc.tls_key_file = o.tls_key;
  workflow::WorkflowRegistry workflows(runtime, rc.data_dir / "workflows");
  std::unique_ptr<cluster::ClusterNode> node;
  if (!o.cluster_url.empty()) {
    auto config = cluster_config(o);
    node = std::make_unique<cluster::ClusterNode>(config, runtime, &workflows);
    spdlog::info("cluster: joined as {} ({}) on Redis {}", config.host_id, config.advertise,
                 config.redis_url);
  }
  server::HttpServer http(runtime, sc, &workflows, &tenants, node.get());
  spdlog::info("data directory {}", rc.data_dir.string());
  if (rc.python_home.empty()) {
    spdlog::info("no Python home: Python functions cannot run (see --python-home)");
  } else {
    spdlog::info("Python home {}", rc.python_home.string());
  }
  if (open) {
    spdlog::warn("no API keys: open mode, every request may do anything (docs/security.md)");
  } else {
    spdlog::info("API keys required; tenants' shared files are kept apart");
  }
  spdlog::info("listening on {}://{}:{}", http.tls() ? "https" : "http", url_host(http.address()),
               http.port());

  int received = 0;
  signals.async_wait([&received](const boost::system::error_code& ec, int signal_number) {
    if (!ec) received = signal_number;
  });
  signal_ctx.run();

  spdlog::info("{}: finishing the calls in flight", strsignal(received));
  if (node) node->drain();  // first: peers stop sending calls here
  http.stop();
  runtime.shutdown();
  spdlog::info("stopped");
  return 0;
}

}  // namespace wasmlet::cli
