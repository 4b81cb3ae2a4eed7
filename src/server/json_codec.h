#pragma once
// JSON forms of the runtime's records, and Faasm's invoke message.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/call_record.h"
#include "runtime/function_store.h"

namespace wasmlet::server {

bool valid_utf8(std::string_view bytes);

// The deepest a request body's JSON may nest: the API's own bodies nest a few levels.
inline constexpr size_t kMaxBodyJsonDepth = 64;
// A request body parsed as JSON: discarded (is_discarded()) when it is not JSON; HttpError 400
// when it nests deeper than kMaxBodyJsonDepth, found before anything is parsed.
nlohmann::json parse_body_json(std::string_view body);
int64_t to_micros(std::chrono::nanoseconds d);
std::string rfc3339(std::chrono::system_clock::time_point t);  // UTC, microseconds

// Sets j["output"] to the bytes as text when they are valid UTF-8, else to their base64, and
// j["output_base64"] to say which.
void put_output(nlohmann::json& j, std::string_view output);

nlohmann::json function_info_json(const runtime::FunctionInfo& info);
// id, function, status, return_code, output (+ output_base64), stdout, stderr, error_kind,
// error_message, queue_us, run_us, submitted_at.
nlohmann::json call_record_json(const runtime::CallRecord& record);
// Why a call failed: {"error": "call_failed", "error_kind", "message", "return_code",
// "call_id"} (a guest that only returned non-zero has error_kind "return_code").
nlohmann::json failed_call_json(const runtime::CallRecord& record);

// Faasm's invoke message: {"user", "function", "input_data": <base64>, "async", "python",
// "py_user", "py_func", "cmdline"}, or a status query {"id": N, "status": true}. Other fields are
// ignored.
struct FaasmMessage {
  std::string user, function;
  std::string input;  // decoded
  bool async = false;
  bool python = false;
  std::string py_user, py_func;
  std::vector<std::string> args;      // argv[1..], from cmdline
  std::optional<uint64_t> status_id;  // set for a status query
};

// Throws HttpError (400) for malformed JSON, wrong field types, bad base64 or a cmdline past
// runtime::kMaxCmdlineBytes or runtime::kMaxCmdlineArgs.
FaasmMessage parse_faasm_message(std::string_view body);

}  // namespace wasmlet::server
