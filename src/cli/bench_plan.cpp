#include "cli/bench_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

#include "util/units.h"

namespace wasmlet::cli {

namespace {

using nlohmann::json;

constexpr int kMaxConcurrency = 1024;
constexpr size_t kMaxInputBytes = size_t{16} << 20;
constexpr double kMaxDuration = 600, kMaxWarmup = 60;
constexpr int kMaxClientThreads = 16;
constexpr int kMaxExecutorThreads = 256;
constexpr size_t kMaxTargets = 32, kMaxSteps = 32, kMaxAxisValues = 64, kMaxNameBytes = 64;

[[noreturn]] void fail(std::string_view field, std::string_view problem) {
  throw PlanError(fmt::format("{}: {}", field, problem));
}

std::string type_of(const json& j) { return j.type_name(); }

void only_fields(const json& object, std::string_view where,
                 std::initializer_list<std::string_view> known) {
  for (const auto& item : object.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      std::string field = where.empty() ? item.key() : fmt::format("{}.{}", where, item.key());
      fail(field, fmt::format("unknown field (expected one of: {})", fmt::join(known, ", ")));
    }
  }
}

std::string string_field(const json& object, const char* key, std::string_view field,
                         size_t max_bytes = 4096) {
  const json& v = object.at(key);
  if (!v.is_string()) fail(field, fmt::format("expected a string, got {}", type_of(v)));
  auto s = v.get<std::string>();
  if (s.empty()) fail(field, "must not be empty");
  if (s.size() > max_bytes) fail(field, fmt::format("longer than {} bytes", max_bytes));
  return s;
}

double number_field(const json& v, std::string_view field, double low, double high,
                    bool low_inclusive) {
  if (!v.is_number()) fail(field, fmt::format("expected a number, got {}", type_of(v)));
  double d = v.get<double>();
  bool above_low = low_inclusive ? d >= low : d > low;
  if (!std::isfinite(d) || !above_low || d > high) {
    fail(field, fmt::format("must be {} {} and at most {}, got {}", low_inclusive ? ">=" : ">", low,
                            high, v.dump()));
  }
  return d;
}

int64_t integer(const json& v, std::string_view field, int64_t low, int64_t high) {
  if (!v.is_number_integer()) fail(field, fmt::format("expected an integer, got {}", v.dump()));
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(high)) {
    fail(field, fmt::format("must be from {} to {}, got {}", low, high, v.dump()));
  }
  auto i = v.get<int64_t>();
  if (i < low || i > high) fail(field, fmt::format("must be from {} to {}, got {}", low, high, i));
  return i;
}

// A request target goes into the request line as it is: no spaces or control characters, which
// would end it or start a header.
void check_request_target(std::string_view target, std::string_view field) {
  for (char c : target) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f)
      fail(field, fmt::format("no spaces or control characters (byte 0x{:02x})", u));
  }
}

// "USER/NAME", both parts non-empty.
std::string object_name(const json& object, const char* key, std::string_view field) {
  std::string s = string_field(object, key, field, 256);
  size_t slash = s.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == s.size() ||
      s.find('/', slash + 1) != std::string::npos) {
    fail(field, fmt::format("expected USER/NAME, got '{}'", s));
  }
  return s;
}

const json& axis_array(const json& matrix, const char* key, std::string_view field) {
  const json& v = matrix.at(key);
  if (!v.is_array()) fail(field, fmt::format("expected an array, got {}", type_of(v)));
  if (v.empty()) fail(field, "must list at least one value");
  if (v.size() > kMaxAxisValues) fail(field, fmt::format("more than {} values", kMaxAxisValues));
  return v;
}

template <typename E, size_t N>
std::vector<E> enum_axis(const json& matrix, const char* key,
                         const std::array<std::pair<const char*, E>, N>& names) {
  std::string field = fmt::format("matrix.{}", key);
  std::vector<E> out;
  for (const json& v : axis_array(matrix, key, field)) {
    auto it = std::find_if(names.begin(), names.end(), [&](const auto& n) {
      return v.is_string() && v.get<std::string>() == n.first;
    });
    if (it == names.end()) {
      std::vector<const char*> allowed;
      allowed.reserve(N);
      for (const auto& n : names) allowed.push_back(n.first);
      fail(field, fmt::format("expected one of {}, got {}", fmt::join(allowed, ", "), v.dump()));
    }
    if (std::find(out.begin(), out.end(), it->second) != out.end())
      fail(field, fmt::format("{} is listed twice", v.dump()));
    out.push_back(it->second);
  }
  return out;
}

template <typename T>
std::vector<T> integer_axis(const json& object, const char* where, const char* key, int64_t low,
                            int64_t high) {
  std::string field = fmt::format("{}.{}", where, key);
  std::vector<T> out;
  for (const json& v : axis_array(object, key, field)) {
    auto value = static_cast<T>(integer(v, field, low, high));
    if (std::find(out.begin(), out.end(), value) != out.end())
      fail(field, fmt::format("{} is listed twice", value));
    out.push_back(value);
  }
  return out;
}

BenchMatrix parse_matrix(const json& m) {
  if (!m.is_object()) fail("matrix", fmt::format("expected an object, got {}", type_of(m)));
  for (const char* server_setting : {"memory_limit", "timeout", "executors", "executor_threads"}) {
    if (m.contains(server_setting)) {
      fail(fmt::format("matrix.{}", server_setting),
           "a server setting, not a per-call one: list it under \"spawn\" (the tool then "
           "starts a server per setting), or run the plan against servers started each way");
    }
  }
  only_fields(m, "matrix", {"concurrency", "input_bytes", "trigger", "start"});
  BenchMatrix out;
  if (m.contains("concurrency"))
    out.concurrency = integer_axis<int>(m, "matrix", "concurrency", 1, kMaxConcurrency);
  if (m.contains("input_bytes"))
    out.input_bytes = integer_axis<size_t>(m, "matrix", "input_bytes", 0, kMaxInputBytes);
  if (m.contains("trigger")) {
    static constexpr std::array<std::pair<const char*, Trigger>, 2> kTriggers{
        {{"sync", Trigger::Sync}, {"async", Trigger::Async}}};
    out.trigger = enum_axis(m, "trigger", kTriggers);
  }
  if (m.contains("start")) {
    static constexpr std::array<std::pair<const char*, Start>, 2> kStarts{
        {{"warm", Start::Warm}, {"cold", Start::Cold}}};
    out.start = enum_axis(m, "start", kStarts);
  }
  return out;
}

// A list of server settings, each checked by `check` (which throws Error when it is bad).
std::vector<std::string> setting_axis(const json& spawn, const char* key,
                                      void (*check)(std::string_view)) {
  std::string field = fmt::format("spawn.{}", key);
  std::vector<std::string> out;
  for (const json& v : axis_array(spawn, key, field)) {
    if (!v.is_string()) fail(field, fmt::format("expected strings, got {}", v.dump()));
    auto text = v.get<std::string>();
    try {
      check(text);
    } catch (const Error& e) {
      fail(field, e.what());
    }
    if (std::find(out.begin(), out.end(), text) != out.end())
      fail(field, fmt::format("'{}' is listed twice", text));
    out.push_back(std::move(text));
  }
  return out;
}

SpawnSpec parse_spawn(const json& s) {
  if (!s.is_object()) fail("spawn", fmt::format("expected an object, got {}", type_of(s)));
  only_fields(s, "spawn", {"executor_threads", "memory_limit", "timeout"});
  SpawnSpec out;
  if (s.contains("executor_threads"))
    out.executor_threads =
        integer_axis<int>(s, "spawn", "executor_threads", 1, kMaxExecutorThreads);
  if (s.contains("memory_limit")) {
    out.memory_limit =
        setting_axis(s, "memory_limit", [](std::string_view t) { util::parse_memory_pages(t); });
  }
  if (s.contains("timeout")) {
    out.timeout = setting_axis(s, "timeout", [](std::string_view t) {
      if (util::parse_duration(t) <= std::chrono::nanoseconds(0))
        throw Error("a time limit must be positive");
    });
  }
  return out;
}

// The servers a spawn spec asks for: the cross product of its settings.
std::vector<ServerSetting> spawn_servers(const SpawnSpec& spawn) {
  std::vector<ServerSetting> out{ServerSetting{}};
  auto expand = [&out](const auto& values, auto apply) {
    if (values.empty()) return;
    std::vector<ServerSetting> next;
    for (const auto& base : out) {
      for (const auto& v : values) {
        ServerSetting s = base;
        apply(s, v);
        next.push_back(std::move(s));
      }
    }
    out = std::move(next);
  };
  expand(spawn.executor_threads, [](ServerSetting& s, int n) {
    s.executor_threads = n;
    s.params["executor_threads"] = n;
  });
  expand(spawn.memory_limit, [](ServerSetting& s, const std::string& m) {
    s.memory_limit = m;
    s.params["memory_limit"] = m;
  });
  expand(spawn.timeout, [](ServerSetting& s, const std::string& t) {
    s.timeout = t;
    s.params["timeout"] = t;
  });
  return out;
}

BenchTarget parse_target(const json& t, size_t index) {
  std::string where = fmt::format("targets[{}]", index);
  auto field = [&](const char* key) { return fmt::format("{}.{}", where, key); };
  if (!t.is_object()) fail(where, fmt::format("expected an object, got {}", type_of(t)));
  only_fields(t, where,
              {"name", "function", "workflow", "app", "url", "steps", "path", "method", "file"});
  BenchTarget out;
  if (!t.contains("name")) fail(field("name"), "missing");
  out.name = string_field(t, "name", field("name"), kMaxNameBytes);

  int kinds = 0;
  for (const char* key : {"function", "workflow", "app", "url", "steps"}) kinds += t.contains(key);
  if (kinds != 1) {
    fail(where, "give exactly one of function, workflow, app, url or steps");
  }
  if (t.contains("function")) {
    out.kind = TargetKind::Function;
    out.object = object_name(t, "function", field("function"));
  } else if (t.contains("workflow")) {
    out.kind = TargetKind::Workflow;
    out.object = object_name(t, "workflow", field("workflow"));
  } else if (t.contains("app")) {
    out.kind = TargetKind::App;
    out.object = object_name(t, "app", field("app"));
  } else if (t.contains("url")) {
    out.kind = TargetKind::Http;
    out.url = string_field(t, "url", field("url"));
    parse_http_url(out.url, field("url"));
  } else {
    out.kind = TargetKind::Composition;
    const json& steps = t.at("steps");
    if (!steps.is_array() || steps.size() < 2 || steps.size() > kMaxSteps) {
      fail(field("steps"),
           fmt::format("expected an array of 2 to {} USER/FUNCTION names", kMaxSteps));
    }
    for (size_t i = 0; i < steps.size(); ++i) {
      json holder = {{"step", steps[i]}};
      out.steps.push_back(object_name(holder, "step", fmt::format("{}[{}]", field("steps"), i)));
    }
  }

  bool http_like = out.kind == TargetKind::App || out.kind == TargetKind::Http;
  if (t.contains("path")) {
    if (out.kind != TargetKind::App) fail(field("path"), "only an app target takes a path");
    out.path = string_field(t, "path", field("path"));
    if (out.path.front() != '/') fail(field("path"), "must start with '/'");
    check_request_target(out.path, field("path"));
  }
  if (t.contains("method")) {
    if (!http_like) fail(field("method"), "only app and url targets take a method");
    out.method = string_field(t, "method", field("method"), 16);
    static constexpr std::array<const char*, 6> kMethods{"GET",    "POST", "PUT",
                                                         "DELETE", "HEAD", "PATCH"};
    if (std::find(kMethods.begin(), kMethods.end(), out.method) == kMethods.end())
      fail(field("method"), fmt::format("expected one of {}", fmt::join(kMethods, ", ")));
  }
  if (t.contains("file")) {
    if (out.kind != TargetKind::Function)
      fail(field("file"), "only a function target takes a file");
    out.file = string_field(t, "file", field("file"));
  }
  return out;
}

}  // namespace

const char* kind_name(TargetKind kind) {
  switch (kind) {
    case TargetKind::Function:
      return "function";
    case TargetKind::Workflow:
      return "workflow";
    case TargetKind::App:
      return "app";
    case TargetKind::Http:
      return "http";
    case TargetKind::Composition:
      return "composition";
  }
  return "?";
}

const char* trigger_name(Trigger trigger) { return trigger == Trigger::Sync ? "sync" : "async"; }
const char* start_name(Start start) { return start == Start::Warm ? "warm" : "cold"; }

bool BenchTarget::sends_body() const {
  return method != "GET" && method != "HEAD" && method != "DELETE";
}

HttpUrl parse_http_url(std::string_view url, std::string_view field) {
  if (url.starts_with("https://")) {
    fail(field, "https:// is not supported: the load generator speaks plain HTTP");
  }
  if (!url.starts_with("http://"))
    fail(field, fmt::format("expected http://HOST[:PORT]/PATH, got '{}'", url));
  std::string_view rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpUrl out;
  if (slash != std::string_view::npos) out.target = std::string(rest.substr(slash));
  check_request_target(out.target, field);
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      fail(field, fmt::format("bad port '{}'", port));
    }
    out.port = static_cast<uint16_t>(value);
    authority = authority.substr(0, colon);
  }
  if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']')
    authority = authority.substr(1, authority.size() - 2);
  if (authority.empty()) fail(field, "no host");
  for (char c : authority) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':')
      fail(field, fmt::format("bad host '{}'", authority));
  }
  out.host = std::string(authority);
  return out;
}

BenchPlan parse_bench_plan(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw PlanError("the plan is not valid JSON");
  if (!j.is_object()) fail("plan", fmt::format("expected a JSON object, got {}", type_of(j)));
  only_fields(j, "",
              {"title", "targets", "matrix", "duration_s", "warmup_s", "max_total_s",
               "client_threads", "spawn"});
  BenchPlan plan;
  if (j.contains("title")) plan.title = string_field(j, "title", "title", 256);
  if (!j.contains("targets")) fail("targets", "missing");
  const json& targets = j.at("targets");
  if (!targets.is_array() || targets.empty() || targets.size() > kMaxTargets)
    fail("targets", fmt::format("expected an array of 1 to {} targets", kMaxTargets));
  std::set<std::string> names;
  for (size_t i = 0; i < targets.size(); ++i) {
    plan.targets.push_back(parse_target(targets[i], i));
    if (!names.insert(plan.targets.back().name).second)
      fail(fmt::format("targets[{}].name", i),
           fmt::format("'{}' names two targets", plan.targets.back().name));
  }
  if (j.contains("matrix")) plan.matrix = parse_matrix(j.at("matrix"));
  if (j.contains("duration_s"))
    plan.duration_s = number_field(j.at("duration_s"), "duration_s", 0, kMaxDuration, false);
  if (j.contains("warmup_s"))
    plan.warmup_s = number_field(j.at("warmup_s"), "warmup_s", 0, kMaxWarmup, true);
  if (j.contains("max_total_s"))
    plan.max_total_s = number_field(j.at("max_total_s"), "max_total_s", 0, kMaxTotalSeconds, false);
  if (j.contains("client_threads"))
    plan.client_threads =
        static_cast<int>(integer(j.at("client_threads"), "client_threads", 1, kMaxClientThreads));
  for (size_t i = 0; i < plan.targets.size(); ++i) {
    const auto& t = plan.targets[i];
    bool cold = std::find(plan.matrix.start.begin(), plan.matrix.start.end(), Start::Cold) !=
                plan.matrix.start.end();
    if (cold && t.kind == TargetKind::Function && t.file.empty()) {
      fail(fmt::format("targets[{}].file", i),
           "a cold start re-uploads the module: give its .wasm file");
    }
  }
  if (j.contains("spawn")) {
    plan.spawn = parse_spawn(j.at("spawn"));
    for (size_t i = 0; i < plan.targets.size(); ++i) {
      const auto& t = plan.targets[i];
      if (t.kind == TargetKind::Http || (t.kind == TargetKind::Function && !t.file.empty()))
        continue;
      fail(fmt::format("targets[{}]", i),
           "with spawn, a target is a function with its file (uploaded to each server the tool "
           "starts) or a url");
    }
  }
  plan.source = std::move(j);
  return plan;
}

namespace {

// Notes each skip once.
class Notes {
 public:
  explicit Notes(std::vector<std::string>& out) : out_(out) {}
  void operator()(std::string text) {
    if (seen_.insert(text).second) out_.push_back(std::move(text));
  }

 private:
  std::vector<std::string>& out_;
  std::set<std::string> seen_;
};

// A target's cells on one server (`server_params` the server's settings, merged in).
void add_target_cells(const BenchPlan& plan, size_t ti, int server, const json& server_params,
                      std::vector<BenchCell>& cells, Notes& note) {
  const BenchMatrix& m = plan.matrix;
  const BenchTarget& t = plan.targets[ti];
  bool body = t.sends_body();
  bool triggers = t.kind == TargetKind::Function || t.kind == TargetKind::Workflow;
  bool starts = t.kind == TargetKind::Function;
  std::vector<size_t> sizes = body ? m.input_bytes : std::vector<size_t>{0};
  std::vector<Trigger> trig = triggers ? m.trigger : std::vector<Trigger>{Trigger::Sync};
  std::vector<Start> start = starts ? m.start : std::vector<Start>{Start::Warm};
  if (!body && m.input_bytes.size() > 1)
    note(fmt::format("{}: input_bytes skipped ({} sends no body)", t.name, t.method));
  if (!triggers && std::find(m.trigger.begin(), m.trigger.end(), Trigger::Async) != m.trigger.end())
    note(fmt::format("{}: trigger skipped (a {} target is called sync only)", t.name,
                     kind_name(t.kind)));
  if (!starts && std::find(m.start.begin(), m.start.end(), Start::Cold) != m.start.end())
    note(fmt::format("{}: start skipped (cold starts are measured for function targets)", t.name));
  for (Start s : start) {
    for (Trigger tr : trig) {
      if (s == Start::Cold && tr == Trigger::Async) {
        note(fmt::format("{}: cold x async skipped (cold starts are measured sync)", t.name));
        continue;
      }
      for (int c : m.concurrency) {
        if (s == Start::Cold && c > 1) {
          note(
              fmt::format("{}: cold x concurrency > 1 skipped (one cold start at a time)", t.name));
          continue;
        }
        for (size_t n : sizes) {
          BenchCell cell;
          cell.target = ti;
          cell.server = server;
          cell.concurrency = c;
          cell.input_bytes = n;
          cell.trigger = tr;
          cell.start = s;
          cell.params = {{"concurrency", c}};
          if (body) cell.params["input_bytes"] = n;
          if (triggers) cell.params["trigger"] = trigger_name(tr);
          if (starts) cell.params["start"] = start_name(s);
          cell.params.update(server_params);
          cells.push_back(std::move(cell));
        }
      }
    }
  }
}

}  // namespace

CellPlan expand_cells(const BenchPlan& plan) {
  CellPlan out;
  Notes note(out.notes);
  if (!plan.spawn) {
    for (size_t ti = 0; ti < plan.targets.size(); ++ti)
      add_target_cells(plan, ti, -1, json::object(), out.cells, note);
    return out;
  }
  out.servers = spawn_servers(*plan.spawn);
  for (size_t ti = 0; ti < plan.targets.size(); ++ti) {
    if (plan.targets[ti].kind == TargetKind::Http)
      add_target_cells(plan, ti, -1, json::object(), out.cells, note);
  }
  for (size_t si = 0; si < out.servers.size(); ++si) {
    for (size_t ti = 0; ti < plan.targets.size(); ++ti) {
      if (plan.targets[ti].kind != TargetKind::Http) {
        add_target_cells(plan, ti, static_cast<int>(si), out.servers[si].params, out.cells, note);
      }
    }
  }
  return out;
}

double estimated_seconds(const BenchPlan& plan, const CellPlan& cells) {
  return static_cast<double>(cells.cells.size()) * (plan.warmup_s + plan.duration_s + 1) +
         static_cast<double>(cells.servers.size()) * kSpawnSeconds;
}

void check_bounds(const BenchPlan& plan, const CellPlan& cells, double max_seconds) {
  if (cells.cells.empty()) throw PlanError("the plan has no cells to run");
  if (cells.cells.size() > kMaxCells) {
    throw PlanError(fmt::format("the plan has {} cells, more than the {} allowed",
                                cells.cells.size(), kMaxCells));
  }
  // parse_bench_plan keeps max_total_s within kMaxTotalSeconds.
  double bound = plan.max_total_s;
  const char* by = "max_total_s";
  if (max_seconds > 0 && max_seconds < bound) {
    bound = max_seconds;
    by = "--max-seconds";
  }
  double need = estimated_seconds(plan, cells);
  if (need > bound) {
    throw PlanError(fmt::format(
        "the plan needs up to {:.0f} s ({} cells x (warmup {} s + duration {} s + 1 s)), more "
        "than {} allows ({:.0f} s)",
        need, cells.cells.size(), plan.warmup_s, plan.duration_s, by, bound));
  }
}

}  // namespace wasmlet::cli
