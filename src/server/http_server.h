#pragma once
// The HTTP server: the Faasm-compatible API and /v1 over HTTP/1.1 on one port, I/O on a few
// threads, calls answered from the runtime's executors without blocking an I/O thread.
#include <cstdint>
#include <memory>
#include <string>

#include "auth/tenant_store.h"
#include "cluster/cluster_node.h"
#include "runtime/runtime.h"
#include "server/router.h"
#include "server/server_config.h"
#include "workflow/workflow_registry.h"

namespace wasmlet::server {

class HttpServer {
 public:
  // Binds and starts serving (HTTPS when the config names a certificate); throws Error when it
  // cannot listen or load the certificate and key. `runtime` (and `workflows`, when given:
  // without it there are no workflow routes; and `tenants`, when given: without it, or while it
  // holds no key, everyone may do everything; and `cluster`, when this host joined one) must
  // outlive it.
  HttpServer(runtime::Runtime& runtime, ServerConfig config,
             workflow::WorkflowRegistry* workflows = nullptr, auth::TenantStore* tenants = nullptr,
             cluster::ClusterNode* cluster = nullptr);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();  // stop()

  std::string address() const;  // the bound address
  uint16_t port() const;        // the bound port (the chosen one when configured as 0)
  // Every route with its methods and access policy (tests check each one).
  std::vector<Router::RouteInfo> routes() const;
  bool tls() const;  // serving HTTPS
  // What request bodies hold now of ServerConfig::max_body_memory.
  size_t body_bytes_in_use() const;

  // Graceful shutdown: stops accepting, closes idle connections, answers the requests in
  // flight (synchronous calls included), then returns. Idempotent. Not from a request handler.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wasmlet::server
