#include "cli/client_commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/client_config.h"
#include "cli/client_support.h"
#include "cli/package_archive.h"
#include "util/base64.h"
#include "util/error.h"
#include "util/files.h"
#include "util/http_client.h"

namespace wasmlet::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string name_path(const char* prefix, const Name& n) {
  return fmt::format("{}/{}/{}", prefix, escape_segment(n.user), escape_segment(n.name));
}

// The call's output from a JSON call record: text, or base64 when it was not UTF-8.
std::string output_of(const json& j) {
  std::string out = j.value("output", "");
  if (j.value("output_base64", false)) return util::base64_decode(out).value_or(out);
  return out;
}

// Keeps a terminal prompt on its own line; pipes and files get the bytes exactly.
void print_raw(std::string_view bytes) {
  std::cout << bytes;
  if (!bytes.empty() && bytes.back() != '\n' && isatty(STDOUT_FILENO)) std::cout << '\n';
  std::cout << std::flush;
}

std::string human_size(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < uint64_t{1} << 20)
    return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024 * 1024));
}

std::string bytes_text(uint64_t n) { return fmt::format("{} byte{}", n, n == 1 ? "" : "s"); }

std::string micros_text(int64_t us) {
  if (us < 10'000) return fmt::format("{} us", us);
  if (us < 10'000'000) return fmt::format("{:.1f} ms", static_cast<double>(us) / 1e3);
  return fmt::format("{:.2f} s", static_cast<double>(us) / 1e6);
}

// A process exit status for a return code: non-zero stays non-zero.
int exit_status(int64_t return_code) {
  if (return_code == 0) return 0;
  int low = static_cast<int>(return_code & 0xff);
  return low == 0 ? 1 : low;
}

HttpClient connect_client(const ClientOptions& o) {
  return connect_server({o.server, o.timeout_seconds, o.ca_file, resolve_client_key(o.key)});
}

bool looks_like_python(const fs::path& file) {
  std::string name = file.filename().string();
  for (const char* ext : {".py", ".tar", ".tar.gz", ".tgz", ".zip"}) {
    if (name.ends_with(ext)) return true;
  }
  return fs::is_directory(file);
}

int upload(HttpClient& client, const ClientOptions& o) {
  Name fn = parse_name(o.function, "FUNCTION");
  bool python = o.python || !o.entry.empty() || looks_like_python(o.file);
  std::string body =
      fs::is_directory(o.file) ? tar_directory(o.file) : util::read_text_file(o.file);
  std::string target = name_path("/v1/functions", fn);
  if (python) {
    target += "?kind=python";
    if (!o.entry.empty()) target += "&entry=" + escape_segment(o.entry);
    if (!o.convention.empty()) target += "&convention=" + escape_segment(o.convention);
  }
  auto r =
      client.request("PUT", target, body,
                     {{"Content-Type", python ? "application/octet-stream" : "application/wasm"}});
  expect_ok(r);
  json j = parse_json(r);
  auto size = j.value("size_bytes", static_cast<uint64_t>(body.size()));
  double seconds = j.value("compile_seconds", 0.0);
  std::string how = python        ? "Python, entry " + j.value("entry", std::string("?"))
                    : seconds > 0 ? fmt::format("compiled in {:.2f} s", seconds)
                                  : "already compiled";
  std::cout << fmt::format("uploaded {} ({}, {})\n", fn.str(), bytes_text(size), how);
  return 0;
}

// A function's call, or with `workflow` a workflow's run.
int invoke(HttpClient& client, const ClientOptions& o, bool workflow = false) {
  Name fn = parse_name(o.function, workflow ? "WORKFLOW" : "FUNCTION");
  std::string input = o.input;
  if (!o.input_file.empty()) input = util::read_text_file(o.input_file);
  std::string target = name_path(workflow ? "/v1/workflows" : "/v1/functions", fn) + ":invoke" +
                       (o.async ? "?async=1" : "");
  auto r = client.request("POST", target, input, {{"Content-Type", "application/octet-stream"}});

  if (o.async) {
    expect_ok(r);
    std::cout << parse_json(r).at("id").get<uint64_t>() << "\n";
    return 0;
  }
  if (r.status == 200) {
    print_raw(r.body);
    std::cerr << fmt::format("call {}: return code {}\n", r.header("X-Wasmlet-Call-Id"),
                             r.header("X-Wasmlet-Return-Code"));
    return 0;
  }
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("error", "") != "call_failed") throw ServerError(error_message(r));

  // The call ran and failed: its output still goes to stdout.
  print_raw(output_of(j));
  std::string kind = j.value("error_kind", "");
  std::string message = j.value("message", "");
  if (kind == "return_code") {
    int64_t code = j.value("return_code", int64_t{1});
    std::cerr << fmt::format("call {}: return code {}\n", j.value("call_id", uint64_t{0}), code);
    return exit_status(code);
  }
  // A workflow's error is a States Language error name; the message names the state.
  if (workflow) throw ServerError(fmt::format("{}: {}", kind, message));
  // Any other kind names a trap ("out_of_bounds", "timeout", ...), except a failure outside
  // the guest ("error").
  throw ServerError(kind == "error" ? message : "trap: " + message);
}

// A workflow run's states, one line each: where it ran, when (ms since the run started), and
// how it ended.
void print_history(const json& history) {
  std::cout << "history:\n";
  auto ms = [](const json& entry, const char* field) {
    return entry.value(field, int64_t{0}) / 1e6;
  };
  for (const auto& e : history) {
    if (!e.is_object()) continue;
    if (e.contains("truncated")) {
      std::cout << fmt::format("  ... {} more states\n", e.value("truncated", uint64_t{0}));
      continue;
    }
    std::string path = e.value("path", "");
    std::string name = path.empty() ? e.value("state", "") : path + "/" + e.value("state", "");
    std::string line = fmt::format("  {:<32} {:<9} {:9.3f} .. {:9.3f} ms", name,
                                   e.value("type", ""), ms(e, "entered_ns"), ms(e, "exited_ns"));
    if (e.value("retries", 0) > 0) line += fmt::format("  retries {}", e.value("retries", 0));
    if (e.contains("error")) {
      line += fmt::format("  {}: {}", e.value("error", ""), e.value("cause", ""));
    }
    std::cout << line << "\n";
  }
}

int status(HttpClient& client, const ClientOptions& o) {
  auto r = client.request("GET", "/v1/calls/" + escape_segment(o.call_id));
  expect_ok(r);
  json j = parse_json(r);
  auto line = [](std::string_view label, const std::string& value) {
    std::cout << fmt::format("{:<13}{}\n", label, value);
  };
  std::string st = j.value("status", "");
  line("call", std::to_string(j.value("id", uint64_t{0})));
  line("function", j.value("function", ""));
  line("status", st);
  bool done = st == "succeeded" || st == "failed";
  if (done) line("return code", std::to_string(j.value("return_code", int64_t{0})));
  if (!j.value("error_kind", "").empty())
    line("error", fmt::format("{}: {}", j.value("error_kind", ""), j.value("error_message", "")));
  line("submitted", j.value("submitted_at", ""));
  line("queued", micros_text(j.value("queue_us", int64_t{0})));
  if (done) line("ran", micros_text(j.value("run_us", int64_t{0})));
  // Multi-line texts start on their own line, indented, so they stay readable.
  auto block = [&](std::string_view label, std::string text) {
    if (text.empty()) return;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (text.find('\n') == std::string::npos) return line(label, text);
    std::cout << label << ":\n";
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::cout << "  " << std::string_view(text).substr(start, end - start) << "\n";
      start = end + 1;
    }
  };
  if (done) {
    if (j.value("output_base64", false))
      line("output", fmt::format("({} bytes of binary; base64) {}", output_of(j).size(),
                                 j.value("output", "")));
    else
      block("output", j.value("output", ""));
    block("stdout", j.value("stdout", ""));
    block("stderr", j.value("stderr", ""));
  }
  if (auto h = j.find("history"); h != j.end() && h->is_array()) print_history(*h);
  return 0;
}

int state_get(HttpClient& client, const ClientOptions& o) {
  Name key = parse_name(o.state_key, "KEY");
  auto r = client.request("GET", name_path("/v1/state", key));
  expect_ok(r);
  print_raw(r.body);
  return 0;
}

int state_put(HttpClient& client, const ClientOptions& o, bool value_given) {
  Name key = parse_name(o.state_key, "KEY");
  // An empty value must be asked for explicitly (--value ""), not by forgetting the option.
  if (!value_given && o.value_file.empty()) throw Error("state put needs --value or --file");
  std::string value = o.value_file.empty() ? o.value : util::read_text_file(o.value_file);
  auto r = client.request("PUT", name_path("/v1/state", key), value,
                          {{"Content-Type", "application/octet-stream"}});
  expect_ok(r);
  std::cout << fmt::format("stored {} ({})\n", key.str(), bytes_text(value.size()));
  return 0;
}

int functions(HttpClient& client) {
  auto r = client.request("GET", "/v1/functions");
  expect_ok(r);
  json list = parse_json(r);
  if (!list.is_array() || list.empty()) {
    std::cout << "no functions\n";
    return 0;
  }
  std::vector<std::array<std::string, 4>> rows = {{"NAME", "KIND", "SIZE", "UPLOADED"}};
  for (const auto& f : list) {
    std::string name = f.value("id", f.value("user", "") + "/" + f.value("function", ""));
    rows.push_back({name, f.value("kind", ""), human_size(f.value("size_bytes", uint64_t{0})),
                    f.value("uploaded_at", "")});
  }
  std::array<size_t, 4> width{};
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    std::cout << fmt::format("{:<{}}  {:<{}}  {:>{}}  {}\n", row[0], width[0], row[1], width[1],
                             row[2], width[2], row[3]);
  }
  return 0;
}

int remove(HttpClient& client, const ClientOptions& o) {
  Name fn = parse_name(o.function, "FUNCTION");
  auto r = client.request("DELETE", name_path("/v1/functions", fn));
  expect_ok(r);
  std::cout << fmt::format("removed {}\n", fn.str());
  return 0;
}

int workflow_upload(HttpClient& client, const ClientOptions& o) {
  Name wf = parse_name(o.function, "WORKFLOW");
  std::string body = util::read_text_file(o.file);
  auto r = client.request("PUT", name_path("/v1/workflows", wf), body,
                          {{"Content-Type", "application/json"}});
  expect_ok(r);
  json j = parse_json(r);
  std::string calls;
  for (const auto& f : j.value("functions", json::array())) {
    calls += (calls.empty() ? "" : ", ") + f.get<std::string>();
  }
  std::cout << fmt::format("uploaded workflow {} ({}, calls {})\n", wf.str(),
                           bytes_text(body.size()), calls.empty() ? "nothing" : calls);
  return 0;
}

int workflow_list(HttpClient& client) {
  auto r = client.request("GET", "/v1/workflows");
  expect_ok(r);
  json list = parse_json(r);
  if (!list.is_array() || list.empty()) {
    std::cout << "no workflows\n";
    return 0;
  }
  for (const auto& w : list) {
    std::string calls;
    for (const auto& f : w.value("functions", json::array())) {
      calls += (calls.empty() ? "" : ",") + f.get<std::string>();
    }
    std::cout << fmt::format("{}/{}  {}  {}  calls {}\n", w.value("user", ""), w.value("name", ""),
                             human_size(w.value("bytes", uint64_t{0})), w.value("uploaded_at", ""),
                             calls);
  }
  return 0;
}

int workflow_show(HttpClient& client, const ClientOptions& o) {
  auto r = client.request("GET", name_path("/v1/workflows", parse_name(o.function, "WORKFLOW")));
  expect_ok(r);
  print_raw(r.body);
  return 0;
}

int workflow_remove(HttpClient& client, const ClientOptions& o) {
  Name wf = parse_name(o.function, "WORKFLOW");
  auto r = client.request("DELETE", name_path("/v1/workflows", wf));
  expect_ok(r);
  std::cout << fmt::format("removed workflow {}\n", wf.str());
  return 0;
}

// The hosts of the server's cluster, one line each: load and the warm functions this key sees.
int cluster_status(HttpClient& client) {
  auto r = client.request("GET", "/v1/cluster");
  expect_ok(r);
  json j = parse_json(r);
  std::string self = j.value("host_id", "");
  std::vector<std::array<std::string, 5>> rows = {{"HOST", "ADDRESS", "RUNNING", "QUEUED", "WARM"}};
  for (const auto& h : j.value("hosts", json::array())) {
    std::string warm;
    for (const auto& f : h.value("warm", json::array())) {
      warm += (warm.empty() ? "" : ",") + f.get<std::string>();
    }
    std::string id = h.value("id", "");
    rows.push_back(
        {id + (id == self ? " *" : ""), h.value("address", ""),
         fmt::format("{}/{}", h.value("running", uint64_t{0}), h.value("executors", uint64_t{0})),
         std::to_string(h.value("queued", uint64_t{0})), warm.empty() ? "-" : warm});
  }
  std::array<size_t, 5> width{};
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : rows) {
    std::cout << fmt::format("{:<{}}  {:<{}}  {:>{}}  {:>{}}  {}\n", row[0], width[0], row[1],
                             width[1], row[2], width[2], row[3], width[3], row[4]);
  }
  if (!j.value("connected", true)) {
    std::cout << "(this host cannot reach the cluster's Redis: the list may be stale)\n";
  }
  return 0;
}

void add_common_options(CLI::App* sub, ClientOptions& o) {
  sub->add_option("--server", o.server, "Server address HOST:PORT, or https://HOST:PORT")
      ->envname("WASMLET_SERVER")
      ->capture_default_str();
  sub->add_option("--cacert", o.ca_file,
                  "https://: verify the server's certificate against these CAs (PEM) instead of "
                  "the system's")
      ->envname("WASMLET_CACERT");
  sub->add_option("--key", o.key, "API key (else $WASMLET_KEY, else the config file's)");
  sub->add_option("--timeout", o.timeout_seconds, "Give up on the server after this many seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

CLI::App* add_command(CLI::App& parent, const char* name, const char* help, ClientOptions& o) {
  auto* sub = parent.add_subcommand(name, help);
  add_common_options(sub, o);
  return sub;
}

}  // namespace

void add_client_commands(CLI::App& app, ClientOptions& o) {
  auto* up = add_command(app, "upload", "Upload a function to a server (compiles it there)", o);
  up->add_option("function", o.function, "USER/FUNCTION")->required();
  up->add_option("file", o.file,
                 "The .wasm module, or a Python function: a .py file, a package directory, or "
                 "a .tar, .tar.gz or .zip of one")
      ->required()
      ->check(CLI::ExistingPath);
  up->add_flag("--python", o.python,
               "The file is a Python function (implied by .py, .tar, .tgz, .zip, a directory)");
  up->add_option("--entry", o.entry,
                 "Python: the entry as module:function, module or :function (default: detect)");
  up->add_option("--convention", o.convention, "Python: how the entry is called")
      ->check(CLI::IsMember({"detect", "faasm", "openwhisk", "lambda"}));

  auto* inv = add_command(app, "invoke", "Call a function on a server and print its output", o);
  inv->add_option("function", o.function, "USER/FUNCTION")->required();
  auto* in = inv->add_option("--input", o.input, "Input bytes");
  inv->add_option("--input-file", o.input_file, "Read the input from a file")
      ->check(CLI::ExistingFile)
      ->excludes(in);
  inv->add_flag("--async", o.async, "Queue the call and print its id (see `wasmlet status`)");

  auto* st = add_command(app, "status", "Show a call's status and result", o);
  st->add_option("call_id", o.call_id, "Call id")->required();

  auto* state = app.add_subcommand("state", "Read or write a state value on a server");
  state->require_subcommand(1);
  auto* get = add_command(*state, "get", "Print a state value", o);
  get->add_option("key", o.state_key, "USER/KEY")->required();
  auto* put = add_command(*state, "put", "Set a state value", o);
  put->add_option("key", o.state_key, "USER/KEY")->required();
  auto* value = put->add_option("--value", o.value, "The value");
  put->add_option("--file", o.value_file, "Read the value from a file")
      ->check(CLI::ExistingFile)
      ->excludes(value);

  add_command(app, "functions", "List the functions on a server", o);

  auto* cluster = app.add_subcommand("cluster", "Show the cluster a server belongs to");
  cluster->require_subcommand(1);
  add_command(*cluster, "status", "List the hosts, their load and their warm functions", o);

  auto* rm = add_command(app, "rm", "Remove a function from a server", o);
  rm->add_option("function", o.function, "USER/FUNCTION")->required();

  auto* wf = app.add_subcommand("workflow", "Upload, run, list or remove workflows on a server");
  wf->require_subcommand(1);
  auto* wf_up = add_command(*wf, "upload", "Upload a States Language definition (JSON)", o);
  wf_up->add_option("workflow", o.function, "USER/WORKFLOW")->required();
  wf_up->add_option("file", o.file, "The definition")->required()->check(CLI::ExistingFile);
  auto* wf_inv = add_command(*wf, "invoke", "Run a workflow and print its output", o);
  wf_inv->add_option("workflow", o.function, "USER/WORKFLOW")->required();
  auto* wf_in = wf_inv->add_option("--input", o.input, "Input (JSON)");
  wf_inv->add_option("--input-file", o.input_file, "Read the input from a file")
      ->check(CLI::ExistingFile)
      ->excludes(wf_in);
  wf_inv->add_flag("--async", o.async, "Start the run and print its call id");
  add_command(*wf, "list", "List the workflows on a server", o);
  auto* wf_show = add_command(*wf, "show", "Print a workflow's definition", o);
  wf_show->add_option("workflow", o.function, "USER/WORKFLOW")->required();
  auto* wf_rm = add_command(*wf, "rm", "Remove a workflow from a server", o);
  wf_rm->add_option("workflow", o.function, "USER/WORKFLOW")->required();
}

int run_client_command(CLI::App& app, const ClientOptions& o, bool& handled) {
  handled = true;
  try {
    auto parsed = [&](const char* name) { return app.get_subcommand(name)->parsed(); };
    auto* state = app.get_subcommand("state");
    auto* wf = app.get_subcommand("workflow");
    if (!parsed("upload") && !parsed("invoke") && !parsed("status") && !parsed("functions") &&
        !parsed("rm") && !parsed("cluster") && !state->parsed() && !wf->parsed()) {
      handled = false;
      return 0;
    }
    HttpClient client = connect_client(o);
    try {
      if (parsed("upload")) return upload(client, o);
      if (parsed("invoke")) return invoke(client, o);
      if (parsed("status")) return status(client, o);
      if (parsed("functions")) return functions(client);
      if (parsed("rm")) return remove(client, o);
      if (parsed("cluster")) return cluster_status(client);
      if (wf->parsed()) {
        auto sub = [&](const char* name) { return wf->get_subcommand(name)->parsed(); };
        if (sub("upload")) return workflow_upload(client, o);
        if (sub("invoke")) return invoke(client, o, /*workflow=*/true);
        if (sub("list")) return workflow_list(client);
        if (sub("show")) return workflow_show(client, o);
        return workflow_remove(client, o);
      }
      if (state->get_subcommand("get")->parsed()) return state_get(client, o);
      auto* put = state->get_subcommand("put");
      return state_put(client, o, put->get_option("--value")->count() > 0);
    } catch (const ConnectError& e) {
      throw Error(fmt::format("cannot reach the server at {}: {}", o.server, e.what()));
    } catch (const TransportError& e) {
      throw Error(fmt::format("no answer from the server at {}: {}", o.server, e.what()));
    }
  } catch (const std::exception& e) {
    std::cout << std::flush;
    std::cerr << "wasmlet: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace wasmlet::cli
