#include "spectest_runner.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

#include "engine/instance.h"
#include "spectest_host.h"
#include "util/files.h"

namespace wasmlet::spectest {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using engine::ExternKind;
using engine::ExternType;

// One link-table slot, laid out as codegen.cpp's `wl_link`.
struct Link {
  void* ptr;
  void* instance;
};

struct LiveModule {
  std::shared_ptr<const engine::Module> module;
  std::map<std::string, std::vector<Link>> links;  // must outlive the instance
  std::unique_ptr<engine::Instance> instance;
};

struct Value {
  char type = 'i';  // module_info letters
  uint64_t bits = 0;
  std::string nan;  // "nan:canonical" / "nan:arithmetic" for expected floats
};

char type_letter(const std::string& t) {
  if (t == "i32") return 'i';
  if (t == "i64") return 'j';
  if (t == "f32") return 'f';
  if (t == "f64") return 'd';
  if (t == "funcref") return 'r';
  if (t == "externref") return 'e';
  throw Error(fmt::format("unsupported value type {}", t));
}

Value parse_value(const json& j) {
  Value v;
  v.type = type_letter(j.at("type").get<std::string>());
  std::string s = j.at("value").get<std::string>();
  if (s.starts_with("nan:")) {
    v.nan = s;
  } else if (s == "null") {
    v.bits = 0;
  } else {
    v.bits = std::stoull(s);
    if (v.type == 'e') v.bits += 1;  // keep ref.extern 0 distinct from null
  }
  return v;
}

bool value_matches(const Value& expected, uint64_t got) {
  if (expected.type == 'f' && !expected.nan.empty()) {
    auto b = static_cast<uint32_t>(got);
    if ((b & 0x7f800000u) != 0x7f800000u || (b & 0x007fffffu) == 0) return false;
    return expected.nan == "nan:canonical" ? (b & 0x7fffffffu) == 0x7fc00000u
                                           : (b & 0x00400000u) != 0;
  }
  if (expected.type == 'd' && !expected.nan.empty()) {
    constexpr uint64_t kExp = 0x7ff0000000000000ull, kFrac = 0x000fffffffffffffull;
    if ((got & kExp) != kExp || (got & kFrac) == 0) return false;
    return expected.nan == "nan:canonical" ? (got & 0x7fffffffffffffffull) == 0x7ff8000000000000ull
                                           : (got & 0x0008000000000000ull) != 0;
  }
  if (expected.type == 'i' || expected.type == 'f') {
    return static_cast<uint32_t>(expected.bits) == static_cast<uint32_t>(got);
  }
  return expected.bits == got;
}

bool trap_text_matches(const std::string& expected, engine::TrapKind kind) {
  std::string ours(engine::trap_kind_message(kind));
  if (kind == engine::TrapKind::OutOfBounds) return expected.starts_with("out of bounds");
  return ours.starts_with(expected) || expected.starts_with(ours);
}

bool limits_match(const engine::Limits& want, uint64_t have_min,
                  const std::optional<uint64_t>& have_max) {
  if (have_min < want.min) return false;
  if (!want.max) return true;
  return have_max && *have_max <= *want.max;
}

class Script {
 public:
  Script(const engine::Engine& engine, const fs::path& json_path, std::ostream& log)
      : engine_(engine),
        dir_(json_path.parent_path()),
        file_(json_path.filename().string()),
        log_(log) {
    std::ifstream in(json_path);
    if (!in) throw Error(fmt::format("cannot read {}", json_path.string()));
    script_ = json::parse(in);
  }

  SpectestCounts run() {
    compile_all();
    for (const auto& cmd : script_.at("commands")) {
      line_ = cmd.value("line", 0);
      try {
        run_command(cmd);
      } catch (const std::exception& e) {
        fail(e.what());
      }
    }
    // Instances may hold references into each other's tables: tear down newest first.
    while (!live_.empty()) live_.pop_back();
    return counts_;
  }

 private:
  void pass() { ++counts_.passed; }
  void fail(const std::string& why) {
    ++counts_.failed;
    log_ << fmt::format("  {}:{}: {}\n", file_, line_, why);
  }

  static bool is_binary(const json& cmd) {
    return cmd.value("module_type", std::string("binary")) == "binary";
  }

  // Every module the script instantiates goes into one shared object.
  void compile_all() {
    std::vector<std::string> names;
    for (const auto& cmd : script_.at("commands")) {
      std::string type = cmd.at("type");
      if ((type == "module" || type == "assert_unlinkable" || type == "assert_uninstantiable") &&
          is_binary(cmd)) {
        std::string f = cmd.at("filename");
        if (!bytes_.contains(f)) {
          bytes_[f] = util::read_file(dir_ / f);
          names.push_back(f);
        }
      }
    }
    engine::LoadOptions options;
    for (const auto& f : names) {
      try {
        for (const auto& imp : engine::parse_module_info(bytes_[f]).imports) {
          options.codegen.linked_import_modules.insert(imp.module);
        }
      } catch (const std::exception&) {
        // Reported when the module is used.
      }
    }
    std::vector<std::span<const unsigned char>> spans;
    for (const auto& f : names) spans.emplace_back(bytes_[f]);
    try {
      auto modules = engine_.load_batch(spans, options);
      for (size_t i = 0; i < names.size(); ++i) compiled_[names[i]] = modules[i];
    } catch (const std::exception&) {
      // One bad module spoils the batch; fall back to one at a time to find which.
      for (const auto& f : names) {
        try {
          compiled_[f] = engine_.load(bytes_[f], options);
        } catch (const engine::UnlinkableModule& e) {
          unlinkable_[f] = e.what();
        } catch (const std::exception& e) {
          compile_errors_[f] = e.what();
        }
      }
    }
  }

  std::shared_ptr<const engine::Module> compiled(const std::string& filename) {
    if (auto it = compiled_.find(filename); it != compiled_.end()) return it->second;
    auto err = compile_errors_.find(filename);
    throw Error(err != compile_errors_.end() ? err->second : "module was not compiled");
  }

  enum class LinkResult { Ok, Unlinkable, Trapped };

  LinkResult instantiate(const std::string& filename, std::unique_ptr<LiveModule>& out,
                         std::string& why) {
    if (auto u = unlinkable_.find(filename); u != unlinkable_.end()) {
      why = u->second;
      return LinkResult::Unlinkable;
    }
    auto live = std::make_unique<LiveModule>();
    live->module = compiled(filename);
    for (const auto& imp : live->module->info().imports) {
      Link link{};
      ExternType have;
      if (!resolve(imp.module, imp.name, link, have)) {
        why = fmt::format("unknown import {}.{}", imp.module, imp.name);
        return LinkResult::Unlinkable;
      }
      if (!compatible(imp.type, have, link)) {
        why = fmt::format("incompatible import type for {}.{}", imp.module, imp.name);
        return LinkResult::Unlinkable;
      }
      live->links[imp.module].push_back(link);
    }
    std::map<std::string, void*> contexts;
    for (auto& [module, table] : live->links) contexts[module] = table.data();
    try {
      live->instance =
          std::make_unique<engine::Instance>(live->module, contexts, engine::InstanceLimits{});
    } catch (const engine::TrapError& e) {
      why = e.trap().describe();
      return LinkResult::Trapped;
    }
    out = std::move(live);
    return LinkResult::Ok;
  }

  bool resolve(const std::string& module, const std::string& name, Link& link, ExternType& type) {
    auto reg = registered_.find(module);
    if (reg == registered_.end()) {
      if (module != "spectest") return false;
      SpectestExport e{};
      if (!spectest_.lookup(name, e)) return false;
      link.ptr = e.ptr;
      type = e.type;
      return true;
    }
    const LiveModule& exporter = *reg->second;
    const engine::Export* info = exporter.module->info().find_export(name);
    const engine::AbiExport* abi = exporter.module->find_export(name);
    if (info == nullptr || abi == nullptr) return false;
    type = info->type;
    void* raw = exporter.instance->raw();
    if (info->type.kind == ExternKind::Func) {
      link.ptr = reinterpret_cast<void*>(abi->func);
      link.instance = raw;
    } else {
      link.ptr = abi->getter(raw);
    }
    return true;
  }

  static bool compatible(const ExternType& want, const ExternType& have, const Link& link) {
    if (want.kind != have.kind) return false;
    switch (want.kind) {
      case ExternKind::Func:
        return want.signature == have.signature;
      case ExternKind::Global:
        return want.signature == have.signature && want.mutable_global == have.mutable_global;
      case ExternKind::Memory: {
        auto* mem = static_cast<wasm_rt_memory_t*>(link.ptr);
        return limits_match(want.limits, mem->pages, have.limits.max);
      }
      case ExternKind::Table: {
        auto* table = static_cast<wasm_rt_funcref_table_t*>(link.ptr);
        return want.signature == have.signature &&
               limits_match(want.limits, table->size, have.limits.max);
      }
    }
    return false;
  }

  LiveModule* target(const json& action) {
    if (action.contains("module")) {
      auto it = named_.find(action.at("module").get<std::string>());
      if (it == named_.end()) throw Error("action on an unknown module");
      return it->second;
    }
    if (current_ == nullptr) throw Error("action with no module instantiated");
    return current_;
  }

  struct Outcome {
    std::optional<engine::Trap> trap;
    std::vector<uint64_t> results;
  };

  Outcome perform(const json& action) {
    LiveModule* m = target(action);
    std::string field = action.at("field");
    const engine::Export* info = m->module->info().find_export(field);
    const engine::AbiExport* abi = m->module->find_export(field);
    if (info == nullptr || abi == nullptr) throw Error(fmt::format("no export \"{}\"", field));
    Outcome out;
    if (action.at("type") == "get") {
      if (info->type.kind != ExternKind::Global) throw Error("get of a non-global");
      void* p = abi->getter(m->instance->raw());
      uint64_t bits = 0;
      char t = info->type.signature[0];
      std::memcpy(&bits, p, t == 'i' || t == 'f' ? 4 : 8);
      out.results.push_back(bits);
      return out;
    }
    std::vector<uint64_t> args;
    for (const auto& a : action.value("args", json::array())) args.push_back(parse_value(a).bits);
    out.results.resize(engine::signature_results(info->type.signature).size());
    engine::CallLimits limits{std::chrono::seconds(20)};
    out.trap = m->instance->call(*abi, args, out.results, limits);
    return out;
  }

  void run_command(const json& cmd) {
    const std::string type = cmd.at("type");
    if (type == "module") {
      std::unique_ptr<LiveModule> live;
      std::string why;
      current_ = nullptr;
      if (!is_binary(cmd)) {
        ++counts_.skipped;
        return;
      }
      if (instantiate(cmd.at("filename"), live, why) != LinkResult::Ok) {
        fail("module failed to instantiate: " + why);
        return;
      }
      current_ = live.get();
      if (cmd.contains("name")) named_[cmd.at("name")] = current_;
      live_.push_back(std::move(live));
      pass();
    } else if (type == "register") {
      LiveModule* m = cmd.contains("name") ? named_.at(cmd.at("name")) : current_;
      if (m == nullptr) throw Error("register with no module");
      registered_[cmd.at("as")] = m;
    } else if (type == "action") {
      auto out = perform(cmd.at("action"));
      out.trap ? fail("unexpected trap: " + out.trap->describe()) : pass();
    } else if (type == "assert_return") {
      auto out = perform(cmd.at("action"));
      if (out.trap) return fail("unexpected trap: " + out.trap->describe());
      const auto& expected = cmd.at("expected");
      for (size_t i = 0; i < expected.size(); ++i) {
        Value want = parse_value(expected[i]);
        if (i >= out.results.size() || !value_matches(want, out.results[i])) {
          return fail(fmt::format("{}: result {} is {:#x}, expected {}",
                                  cmd["action"]["field"].get<std::string>(), i,
                                  i < out.results.size() ? out.results[i] : 0,
                                  want.nan.empty() ? fmt::format("{:#x}", want.bits) : want.nan));
        }
      }
      pass();
    } else if (type == "assert_trap" || type == "assert_exhaustion") {
      auto out = perform(cmd.at("action"));
      std::string text = cmd.at("text");
      if (!out.trap) return fail(fmt::format("expected trap \"{}\", got none", text));
      if (!trap_text_matches(text, out.trap->kind)) {
        return fail(fmt::format("expected trap \"{}\", got \"{}\"", text, out.trap->describe()));
      }
      pass();
    } else if (type == "assert_invalid" || type == "assert_malformed") {
      if (!is_binary(cmd)) {
        ++counts_.skipped;
        return;
      }
      auto bytes = util::read_file(dir_ / cmd.at("filename").get<std::string>());
      try {
        engine_.load(bytes, {});
      } catch (const std::exception&) {
        return pass();
      }
      fail(fmt::format("module should be rejected ({})", cmd.value("text", "")));
    } else if (type == "assert_unlinkable" || type == "assert_uninstantiable") {
      std::unique_ptr<LiveModule> live;
      std::string why;
      LinkResult want = type == "assert_unlinkable" ? LinkResult::Unlinkable : LinkResult::Trapped;
      LinkResult got = instantiate(cmd.at("filename"), live, why);
      if (live) live_.push_back(std::move(live));  // a linked module may have changed shared state
      got == want ? pass()
                  : fail(fmt::format("expected {}, got: {}", type, why.empty() ? "success" : why));
    } else {
      ++counts_.skipped;
    }
  }

  const engine::Engine& engine_;
  fs::path dir_;
  std::string file_;
  std::ostream& log_;
  json script_;
  int line_ = 0;
  SpectestCounts counts_;
  SpectestHost spectest_;
  std::map<std::string, std::vector<unsigned char>> bytes_;
  std::map<std::string, std::shared_ptr<const engine::Module>> compiled_;
  std::map<std::string, std::string> compile_errors_;
  std::map<std::string, std::string> unlinkable_;  // loads refused as UnlinkableModule
  std::vector<std::unique_ptr<LiveModule>> live_;
  LiveModule* current_ = nullptr;
  std::map<std::string, LiveModule*> named_, registered_;
};

}  // namespace

SpectestCounts run_spectest(const engine::Engine& engine, const fs::path& json_path,
                            std::ostream& log) {
  return Script(engine, json_path, log).run();
}

}  // namespace wasmlet::spectest
