#pragma once
// Web apps served directly (`wasmlet flask deploy --direct`): each app's manifest maps its URL
// rules to the functions of its endpoints. Manifests are kept in a directory (one JSON file per
// app) so that an app keeps answering after a restart.
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/url_rule.h"
#include "util/mutex.h"

namespace wasmlet::server {

inline constexpr size_t kMaxWebAppRules = 4096;
// What one request may spend matching an app's rules (UrlRule::matches); past it the request
// goes to the fallback, whose Werkzeug routes it.
inline constexpr size_t kRouteBudget = 65536;
// A manifest's size as compact JSON, and how many apps one user may have.
inline constexpr size_t kMaxManifestBytes = size_t{1} << 20;
inline constexpr size_t kMaxWebAppsPerUser = 64;

// Where a request to an app goes.
struct WebAppTarget {
  std::string function;     // the endpoint's function (same user), or the app's fallback
  std::string endpoint;     // empty for the fallback
  std::string unavailable;  // why the endpoint runs only in proxy mode; empty when it runs here
};

class WebApps {
 public:
  // Loads every manifest stored in `dir` (created if missing); a bad one is logged and skipped.
  explicit WebApps(std::filesystem::path dir);

  // Validates and stores an app's manifest, replacing any earlier one. Throws HttpError: 400
  // naming what is wrong, 413 past kMaxManifestBytes, 403 for a user's app past
  // kMaxWebAppsPerUser.
  void put(const std::string& user, const std::string& name, const nlohmann::json& manifest);
  std::optional<nlohmann::json> get(const std::string& user, const std::string& name) const;
  // [{"user", "name", "module", "mode", "endpoints": N}]
  nlohmann::json list() const;
  bool remove(const std::string& user, const std::string& name);

  // nullopt: no such app. A path no rule (with this method) matches goes to the fallback.
  std::optional<WebAppTarget> route(const std::string& user, const std::string& name,
                                    std::string_view method, std::string_view path) const;

 private:
  struct Route {
    UrlRule rule;
    std::vector<std::string> methods;
    WebAppTarget target;
  };
  struct App {
    // As text: parsed JSON takes several times its size, and only GET reads it whole.
    std::string manifest_text;
    std::string module, mode;
    size_t endpoints = 0;
    std::vector<Route> routes;  // static rules first, then in the manifest's order
    std::string fallback;
  };
  using Key = std::pair<std::string, std::string>;

  static std::shared_ptr<const App> compile(const nlohmann::json& manifest,
                                            std::string manifest_text);
  std::filesystem::path file_of(const Key& key) const;
  // Throws HttpError 403 when `key` is a new app of a user who has kMaxWebAppsPerUser.
  void check_count_locked(const Key& key) const REQUIRES(mutex_);

  std::filesystem::path dir_;
  mutable util::Mutex mutex_;
  std::map<Key, std::shared_ptr<const App>> apps_ GUARDED_BY(mutex_);
};

}  // namespace wasmlet::server
