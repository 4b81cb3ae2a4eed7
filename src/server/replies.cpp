#include "server/replies.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "auth/tenant_store.h"
#include "engine/errors.h"
#include "runtime/function_store.h"
#include "runtime/runtime.h"
#include "state/global_state.h"

namespace wasmlet::server {

namespace {

Reply make_reply(http::status status, std::string body, std::string_view content_type) {
  Reply reply;
  reply.response.result(status);
  if (!content_type.empty()) reply.response.set(http::field::content_type, content_type);
  reply.response.body() = std::move(body);
  return reply;
}

}  // namespace

Reply text_reply(http::status status, std::string body) {
  return make_reply(status, std::move(body), "text/plain; charset=utf-8");
}

Reply binary_reply(http::status status, std::string body) {
  return make_reply(status, std::move(body), "application/octet-stream");
}

Reply json_reply(http::status status, const nlohmann::json& body) {
  return make_reply(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
}

Reply empty_reply(http::status status) { return make_reply(status, {}, {}); }

Reply error_reply(ErrorStyle style, http::status status, std::string_view code,
                  std::string_view message) {
  if (style == ErrorStyle::PlainText) return text_reply(status, std::string(message));
  return json_reply(status, {{"error", code}, {"message", message}});
}

Reply reply_for_current_exception(ErrorStyle style) {
  try {
    throw;
  } catch (const HttpError& e) {
    Reply reply = error_reply(style, e.status(), e.code(), e.what());
    for (const auto& [field, value] : e.headers()) reply.response.set(field, value);
    return reply;
  } catch (const runtime::QueueFull& e) {
    Reply reply = error_reply(style, http::status::service_unavailable, "queue_full", e.what());
    reply.response.set(http::field::retry_after, "1");
    return reply;
  } catch (const runtime::UnknownFunction& e) {
    return error_reply(style, http::status::not_found, "unknown_function", e.what());
  } catch (const runtime::UploadQuotaExceeded& e) {
    return error_reply(style, http::status::forbidden, "quota_exceeded", e.what());
  } catch (const runtime::UploadError& e) {
    return error_reply(style, http::status::bad_request, "upload_failed", e.what());
  } catch (const engine::CompilerUnavailable& e) {
    // Server faults: the details (tool and cache paths, compiler output) go to the log only.
    spdlog::error("compiler unavailable: {}", e.what());
    return error_reply(style, http::status::service_unavailable, "compiler_unavailable",
                       "the server cannot compile modules now (see its log)");
  } catch (const engine::CompileCancelled& e) {
    // Only when the client hung up: nobody reads this.
    return error_reply(style, http::status::service_unavailable, "cancelled", e.what());
  } catch (const engine::CompileFailed& e) {
    spdlog::error("compile failed: {}", e.what());
    return error_reply(style, http::status::internal_server_error, "compile_failed",
                       "compiling the module failed on the server (see its log)");
  } catch (const std::filesystem::filesystem_error& e) {
    // A full disk, a permission error, ...: the server's fault; the paths stay in the log.
    spdlog::error("storage failed: {}", e.what());
    return error_reply(style, http::status::internal_server_error, "storage_failed",
                       "the server could not store or read data: " + e.code().message());
  } catch (const auth::NotFound& e) {
    return error_reply(style, http::status::not_found, "not_found", e.what());
  } catch (const auth::AlreadyExists& e) {
    return error_reply(style, http::status::conflict, "already_exists", e.what());
  } catch (const auth::AccessStoreError& e) {
    return error_reply(style, http::status::bad_request, "bad_request", e.what());
  } catch (const runtime::Unsupported& e) {
    return error_reply(style, http::status::not_implemented, "unsupported", e.what());
  } catch (const state::StateQuotaExceeded& e) {
    return error_reply(style, http::status::forbidden, "quota_exceeded", e.what());
  } catch (const state::StateUnavailable& e) {
    Reply reply =
        error_reply(style, http::status::service_unavailable, "state_unavailable", e.what());
    reply.response.set(http::field::retry_after, "1");
    return reply;
  } catch (const std::exception& e) {
    spdlog::error("request failed: {}", e.what());
    return error_reply(style, http::status::internal_server_error, "internal_error",
                       "internal server error (see the server log)");
  } catch (...) {
    spdlog::error("request failed with a non-standard exception");
    return error_reply(style, http::status::internal_server_error, "internal_error",
                       "unexpected failure");
  }
}

}  // namespace wasmlet::server
