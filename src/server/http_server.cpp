#include "server/http_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "server/access_gate.h"
#include "server/admin_api.h"
#include "server/cluster_api.h"
#include "server/console_routes.h"
#include "server/faasm_api.h"
#include "server/listener.h"
#include "server/tls_context.h"
#include "server/v1_api.h"
#include "server/web_app_api.h"
#include "server/web_apps.h"
#include "server/workflow_api.h"
#include "util/mutex.h"

namespace wasmlet::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

tcp::endpoint resolve_endpoint(asio::io_context& ioc, const ServerConfig& config) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config.address, ec);
  if (!ec) return {address, config.port};
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(config.address, std::to_string(config.port), ec);
  if (ec || results.empty()) {
    throw Error(fmt::format("cannot resolve address '{}': {}", config.address, ec.message()));
  }
  return results.begin()->endpoint();
}

}  // namespace

struct HttpServer::Impl {
  Impl(const ServerConfig& config, auth::TenantStore* tenants)
      : gate(tenants),
        work(ioc.get_executor()),
        blocking(std::max<size_t>(1, config.blocking_threads)),
        compile(std::max<size_t>(1, config.compile_threads)) {}

  AccessGate gate;  // before the router (in core) that points to it
  PendingUploads pending_uploads;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::unique_ptr<InlineStandby> standby;
  std::unique_ptr<WebApps> web_apps;
  asio::thread_pool blocking;
  asio::thread_pool compile;
  std::unique_ptr<PeerRelay> relay;  // in a cluster only
  std::shared_ptr<ServerCore> core;
  std::shared_ptr<Listener> listener;
  std::vector<std::thread> threads;
  util::Mutex stop_mutex;
  bool stopped GUARDED_BY(stop_mutex) = false;
};

HttpServer::HttpServer(runtime::Runtime& runtime, ServerConfig config,
                       workflow::WorkflowRegistry* workflows, auth::TenantStore* tenants,
                       cluster::ClusterNode* cluster)
    : impl_(std::make_unique<Impl>(config, tenants)) {
  // First: a bad certificate or key stops the start before anything listens.
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    throw Error("HTTPS needs both a certificate and its key (or neither, for plain HTTP)");
  }
  std::unique_ptr<asio::ssl::context> tls;
  if (!config.tls_cert_file.empty()) {
    tls = load_tls_context(config.tls_cert_file, config.tls_key_file);
  }
  size_t io_threads = std::max<size_t>(1, config.io_threads);
  impl_->standby =
      std::make_unique<InlineStandby>(impl_->ioc, io_threads, config.inline_standby_after);
  ApiContext ctx{
      runtime,
      [pool = &impl_->blocking](std::function<void()> task) { asio::post(*pool, std::move(task)); },
      [pool = &impl_->compile](std::function<void()> task) { asio::post(*pool, std::move(task)); },
      config.capture_stdout,
      impl_->standby.get(),
      &impl_->gate,
      cluster,
      {},
      &impl_->pending_uploads};
  if (cluster != nullptr) {
    PeerRelay::Options relay;
    // A forwarded call may take as long as a call here, and then some for the trip.
    relay.exchange_timeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(runtime.config().limits.timeout) +
        std::chrono::seconds(10);
    impl_->relay = std::make_unique<PeerRelay>(impl_->ioc, relay);
    ctx.relay = impl_->relay.get();
  }
  impl_->web_apps = std::make_unique<WebApps>(runtime.config().data_dir / "apps");
  Router router;
  router.set_gate(&impl_->gate);
  router.set_defer(
      [ioc = &impl_->ioc](std::chrono::milliseconds delay, std::function<void()> task) {
        auto timer = std::make_shared<asio::steady_timer>(*ioc, delay);
        timer->async_wait(
            [timer, task = std::move(task)](const boost::system::error_code&) { task(); });
      });
  if (tenants != nullptr) add_admin_routes(router, ctx, *tenants);
  add_v1_routes(router, ctx);
  add_web_app_routes(router, ctx, *impl_->web_apps);
  if (workflows != nullptr) add_workflow_routes(router, ctx, *workflows);
  add_cluster_routes(router, ctx, cluster);
  add_console_routes(router);
  add_faasm_routes(router, ctx);

  auto endpoint = resolve_endpoint(impl_->ioc, config);
  impl_->core = std::make_shared<ServerCore>(std::move(router), std::move(config), std::move(tls));
  impl_->listener = std::make_shared<Listener>(impl_->ioc, endpoint, impl_->core);
  impl_->listener->start();
  for (size_t i = 0; i < io_threads; ++i) {
    impl_->threads.emplace_back([this] {
      // A handler that throws must not take the server down with it.
      for (;;) {
        try {
          impl_->ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("I/O thread: {}", e.what());
        }
      }
    });
  }
}

HttpServer::~HttpServer() { stop(); }

std::string HttpServer::address() const {
  return impl_->listener->local_endpoint().address().to_string();
}

uint16_t HttpServer::port() const { return impl_->listener->local_endpoint().port(); }

std::vector<Router::RouteInfo> HttpServer::routes() const { return impl_->core->router().routes(); }

bool HttpServer::tls() const { return impl_->core->tls() != nullptr; }

size_t HttpServer::body_bytes_in_use() const { return impl_->core->body_budget().in_use(); }

void HttpServer::stop() {
  util::MutexLock lock(impl_->stop_mutex);
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->listener->stop();
  impl_->core->begin_stop();
  // Sessions with a call in flight live until they have written its reply.
  impl_->core->wait_for_sessions();
  impl_->blocking.join();
  impl_->compile.join();
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
}

}  // namespace wasmlet::server
