#include "server/web_apps.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "runtime/function_id.h"
#include "server/replies.h"
#include "util/files.h"

namespace wasmlet::server {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

[[noreturn]] void refuse(const std::string& message) {
  throw HttpError(http::status::bad_request, "bad_manifest", message);
}

const json& member(const json& object, const char* key, json::value_t type) {
  auto it = object.find(key);
  if (it == object.end() || it->type() != type) {
    refuse(fmt::format("the manifest's '{}' is missing or of the wrong type", key));
  }
  return *it;
}

std::string function_name(const json& object, const char* key) {
  const auto& name = member(object, key, json::value_t::string).get_ref<const std::string&>();
  if (!runtime::valid_name(name)) {
    refuse(fmt::format("'{}' is not a function name (1-64 of A-Z a-z 0-9 _ . -)", name));
  }
  return name;
}

// A field the server only shows (in listings): empty when absent or not a string.
std::string optional_string(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

WebApps::WebApps(fs::path dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  util::MutexLock lock(mutex_);
  for (const auto& user_dir : fs::directory_iterator(dir_)) {
    if (!user_dir.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(user_dir.path())) {
      if (file.path().extension() != ".json") continue;
      Key key{user_dir.path().filename().string(), file.path().stem().string()};
      try {
        std::string text = util::read_text_file(file.path());
        json manifest = json::parse(text);
        apps_[key] = compile(manifest, std::move(text));
      } catch (const std::exception& e) {
        spdlog::error("skipping the web app {}/{}: {}", key.first, key.second, e.what());
      }
    }
  }
}

std::shared_ptr<const WebApps::App> WebApps::compile(const json& manifest,
                                                     std::string manifest_text) {
  if (!manifest.is_object()) refuse("the manifest is not a JSON object");
  auto app = std::make_shared<App>();
  app->manifest_text = std::move(manifest_text);
  app->module = optional_string(manifest, "module");
  app->mode = optional_string(manifest, "mode");
  app->fallback = function_name(manifest, "fallback");
  std::vector<Route> static_routes, dynamic_routes;
  const json& endpoints = member(manifest, "endpoints", json::value_t::array);
  app->endpoints = endpoints.size();
  for (const auto& endpoint : endpoints) {
    if (!endpoint.is_object()) refuse("an endpoint is not a JSON object");
    WebAppTarget target;
    target.endpoint = member(endpoint, "endpoint", json::value_t::string).get<std::string>();
    target.function = function_name(endpoint, "function");
    if (auto it = endpoint.find("unavailable"); it != endpoint.end() && it->is_object()) {
      for (const auto& [module, why] : it->items()) {
        if (!target.unavailable.empty()) target.unavailable += "; ";
        target.unavailable +=
            fmt::format("'{}': {}", module, why.is_string() ? why.get<std::string>() : "");
      }
    }
    for (const auto& rule : member(endpoint, "rules", json::value_t::array)) {
      if (!rule.is_object()) refuse("a rule is not a JSON object");
      const auto& text = member(rule, "rule", json::value_t::string).get_ref<const std::string&>();
      Route route{UrlRule(text), {}, target};
      for (const auto& method : member(rule, "methods", json::value_t::array)) {
        if (!method.is_string()) refuse(fmt::format("a method of rule '{}' is not a string", text));
        route.methods.push_back(method.get<std::string>());
      }
      (route.rule.is_static() ? static_routes : dynamic_routes).push_back(std::move(route));
      if (static_routes.size() + dynamic_routes.size() > kMaxWebAppRules) {
        refuse(fmt::format("the manifest has more than {} rules", kMaxWebAppRules));
      }
    }
  }
  app->routes = std::move(static_routes);
  std::move(dynamic_routes.begin(), dynamic_routes.end(), std::back_inserter(app->routes));
  return app;
}

fs::path WebApps::file_of(const Key& key) const {
  return dir_ / key.first / (key.second + ".json");
}

void WebApps::put(const std::string& user, const std::string& name, const json& manifest) {
  std::string text = manifest.dump();
  if (text.size() > kMaxManifestBytes) {
    throw HttpError(http::status::payload_too_large, "manifest_too_large",
                    fmt::format("the manifest is larger than {} bytes", kMaxManifestBytes));
  }
  std::shared_ptr<const App> app;
  try {
    app = compile(manifest, text);
  } catch (const RuleError& e) {
    refuse(e.what());
  }
  Key key{user, name};
  {
    util::MutexLock lock(mutex_);
    check_count_locked(key);
  }
  fs::create_directories(dir_ / user);
  util::write_file_atomic(file_of(key), text);
  util::MutexLock lock(mutex_);
  try {
    check_count_locked(key);  // again: another upload may have taken the last place meanwhile
  } catch (const HttpError&) {
    std::error_code ec;
    fs::remove(file_of(key), ec);
    throw;
  }
  apps_[key] = std::move(app);
}

void WebApps::check_count_locked(const Key& key) const {
  if (apps_.contains(key)) return;
  const std::string& user = key.first;
  size_t count = 0;
  for (auto it = apps_.lower_bound({user, ""}); it != apps_.end() && it->first.first == user;
       ++it) {
    ++count;
  }
  if (count >= kMaxWebAppsPerUser) {
    throw HttpError(
        http::status::forbidden, "quota_exceeded",
        fmt::format("user '{}' may have at most {} web apps", user, kMaxWebAppsPerUser));
  }
}

std::optional<json> WebApps::get(const std::string& user, const std::string& name) const {
  std::shared_ptr<const App> app;
  {
    util::MutexLock lock(mutex_);
    auto it = apps_.find({user, name});
    if (it == apps_.end()) return std::nullopt;
    app = it->second;
  }
  return json::parse(app->manifest_text);
}

json WebApps::list() const {
  util::MutexLock lock(mutex_);
  json out = json::array();
  for (const auto& [key, app] : apps_) {
    out.push_back({{"user", key.first},
                   {"name", key.second},
                   {"module", app->module},
                   {"mode", app->mode},
                   {"endpoints", app->endpoints}});
  }
  return out;
}

bool WebApps::remove(const std::string& user, const std::string& name) {
  Key key{user, name};
  util::MutexLock lock(mutex_);
  if (apps_.erase(key) == 0) return false;
  std::error_code ec;
  fs::remove(file_of(key), ec);
  return true;
}

std::optional<WebAppTarget> WebApps::route(const std::string& user, const std::string& name,
                                           std::string_view method, std::string_view path) const {
  std::shared_ptr<const App> app;
  {
    util::MutexLock lock(mutex_);
    auto it = apps_.find({user, name});
    if (it == apps_.end()) return std::nullopt;
    app = it->second;
  }
  size_t budget = kRouteBudget;
  for (const auto& route : app->routes) {
    if (std::find(route.methods.begin(), route.methods.end(), method) == route.methods.end()) {
      continue;
    }
    if (route.rule.matches(path, budget)) return route.target;
    if (budget == 0) break;
  }
  return WebAppTarget{app->fallback, {}, {}};
}

}  // namespace wasmlet::server
