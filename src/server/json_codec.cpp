#include "server/json_codec.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "runtime/faasm_environment.h"
#include "server/replies.h"
#include "server/request_args.h"
#include "util/base64.h"
#include "util/json_nesting.h"

namespace wasmlet::server {

namespace {

using nlohmann::json;

[[noreturn]] void bad_message(const std::string& message) {
  throw HttpError(http::status::bad_request, "bad_request", message);
}

std::string string_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) bad_message(fmt::format("field '{}' must be a string", name));
  return it->get<std::string>();
}

bool bool_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return false;
  if (!it->is_boolean()) bad_message(fmt::format("field '{}' must be true or false", name));
  return it->get<bool>();
}

std::string_view kind_name(runtime::FunctionKind kind) {
  return kind == runtime::FunctionKind::Python ? "python" : "wasm";
}

}  // namespace

bool valid_utf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    auto c = static_cast<unsigned char>(bytes[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > bytes.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(bytes[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

int64_t to_micros(std::chrono::nanoseconds d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  auto us = std::chrono::time_point_cast<std::chrono::microseconds>(t);
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(us);
  auto frac = (us - secs).count();
  // fmt 9 would format a time_point in local time: go through gmtime explicitly.
  std::time_t whole = std::chrono::system_clock::to_time_t(secs);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06}Z", fmt::gmtime(whole), frac);
}

void put_output(json& j, std::string_view output) {
  bool text = valid_utf8(output);
  j["output"] = text ? std::string(output) : util::base64_encode(output);
  j["output_base64"] = !text;
}

json function_info_json(const runtime::FunctionInfo& info) {
  json j = {{"id", info.id.str()},
            {"user", info.id.user},
            {"function", info.id.name},
            {"kind", kind_name(info.kind)},
            {"size_bytes", info.size_bytes},
            {"sha256", info.sha256},
            {"compile_seconds", info.compile_seconds},
            {"uploaded_at", info.uploaded_at}};
  if (info.kind == runtime::FunctionKind::Python) {
    j["entry"] = info.python_entry.str();
    j["convention"] = runtime::convention_name(info.convention);
  }
  return j;
}

json call_record_json(const runtime::CallRecord& record) {
  json j = {{"id", record.id},
            {"function", record.function.str()},
            {"status", runtime::call_status_name(record.status)},
            {"return_code", record.return_code}};
  put_output(j, record.output);
  j["stdout"] = record.stdout_text;
  j["stderr"] = record.stderr_text;
  j["error_kind"] = record.error_kind;
  j["error_message"] = record.error_message;
  j["queue_us"] = to_micros(record.queue_time);
  j["run_us"] = to_micros(record.run_time);
  j["submitted_at"] = rfc3339(record.submitted_at);
  // A workflow run's history: the runtime's own JSON, parsed so that it nests.
  if (!record.history.empty()) {
    j["history"] = json::parse(record.history, nullptr, /*allow_exceptions=*/false);
  }
  return j;
}

json parse_body_json(std::string_view body) {
  if (util::json_nesting_depth(body, kMaxBodyJsonDepth) > kMaxBodyJsonDepth) {
    bad_message(fmt::format("the body's JSON nests deeper than {} levels", kMaxBodyJsonDepth));
  }
  return json::parse(body, nullptr, /*allow_exceptions=*/false);
}

FaasmMessage parse_faasm_message(std::string_view body) {
  json j = parse_body_json(body);
  if (j.is_discarded()) bad_message("the body is not valid JSON");
  if (!j.is_object()) bad_message("the body must be a JSON object");

  FaasmMessage m;
  if (bool_field(j, "status")) {
    auto it = j.find("id");
    if (it != j.end() && it->is_number_unsigned()) {
      m.status_id = it->get<uint64_t>();
    } else if (it != j.end() && it->is_string()) {
      // Some clients send the id back as the string they received.
      m.status_id = parse_call_id(it->get<std::string>());
      if (!m.status_id) bad_message("field 'id' must be a call id");
    } else {
      bad_message("a status query needs a numeric 'id'");
    }
    return m;
  }

  m.user = string_field(j, "user");
  m.function = string_field(j, "function");
  m.async = bool_field(j, "async");
  m.python = bool_field(j, "python");
  m.py_user = string_field(j, "py_user");
  m.py_func = string_field(j, "py_func");
  auto input = util::base64_decode(string_field(j, "input_data"));
  if (!input) bad_message("field 'input_data' is not valid base64");
  m.input = std::move(*input);

  std::string cmdline = string_field(j, "cmdline");
  if (cmdline.size() > runtime::kMaxCmdlineBytes) {
    bad_message(fmt::format("field 'cmdline' is {} bytes, more than the limit of {}",
                            cmdline.size(), runtime::kMaxCmdlineBytes));
  }
  // Counted before splitting, so that a cmdline of spaces is refused before it is built.
  size_t count = cmdline.empty() ? 0 : std::count(cmdline.begin(), cmdline.end(), ' ') + 1;
  if (count > runtime::kMaxCmdlineArgs) {
    bad_message(fmt::format("field 'cmdline' has {} arguments, more than the limit of {}", count,
                            runtime::kMaxCmdlineArgs));
  }
  m.args = runtime::split_faasm_cmdline(cmdline);
  return m;
}

json failed_call_json(const runtime::CallRecord& record) {
  std::string kind = record.error_kind.empty() ? "return_code" : record.error_kind;
  std::string message = record.error_message.empty()
                            ? fmt::format("the function returned {}", record.return_code)
                            : record.error_message;
  return {{"error", "call_failed"},
          {"error_kind", kind},
          {"message", message},
          {"return_code", record.return_code},
          {"call_id", record.id}};
}

}  // namespace wasmlet::server
