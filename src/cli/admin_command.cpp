#include "cli/admin_command.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "auth/access_json.h"
#include "auth/tenant_store.h"
#include "cli/client_config.h"
#include "cli/client_support.h"
#include "util/error.h"
#include "util/http_client.h"

namespace wasmlet::cli {

namespace {

using nlohmann::json;

// The admin operations, in the HTTP admin API's JSON shapes whichever way they are carried
// out, so that printing is one.
class AdminBackend {
 public:
  virtual ~AdminBackend() = default;
  virtual json add_tenant(const std::string& name, bool admin) = 0;
  virtual json tenants() = 0;  // array of tenant_to_json
  virtual void remove_tenant(const std::string& name) = 0;
  virtual json quotas(const std::string& tenant) = 0;
  virtual json set_quotas(const std::string& tenant, const json& partial) = 0;
  virtual json create_key(const std::string& tenant, const std::string& label) = 0;
  virtual json keys(const std::string& tenant) = 0;  // array of key_to_json; "" for all
  virtual void revoke_key(const std::string& id) = 0;
  virtual void set_public(const std::string& kind, const Name& object, bool on) = 0;
  virtual void share(const Name& function, const std::string& grantee, bool shared) = 0;
};

auth::ObjectKind object_kind(const std::string& kind) {
  if (kind == "app") return auth::ObjectKind::App;
  if (kind == "workflow") return auth::ObjectKind::Workflow;
  return auth::ObjectKind::Function;
}

// The store itself: for a stopped server (the store locks its directory).
class OfflineAdmin final : public AdminBackend {
 public:
  explicit OfflineAdmin(const std::string& data_dir) : store_(data_dir) {}

  json add_tenant(const std::string& name, bool admin) override {
    return auth::tenant_to_json(
        store_.add_tenant(name, admin ? auth::Role::Admin : auth::Role::Tenant));
  }
  json tenants() override {
    json out = json::array();
    for (const auto& t : store_.tenants()) out.push_back(auth::tenant_to_json(t));
    return out;
  }
  void remove_tenant(const std::string& name) override { store_.remove_tenant(name); }
  json quotas(const std::string& tenant) override {
    return auth::quotas_to_json(known(tenant).quotas);
  }
  json set_quotas(const std::string& tenant, const json& partial) override {
    auth::Quotas q = auth::quotas_from_json(partial, known(tenant).quotas);
    store_.set_quotas(tenant, q);
    return auth::quotas_to_json(q);
  }
  json create_key(const std::string& tenant, const std::string& label) override {
    auth::ApiKey key = store_.create_key(tenant, label);
    return {{"id", key.id}, {"tenant", tenant}, {"key", key.text()}};
  }
  json keys(const std::string& tenant) override {
    json out = json::array();
    for (const auto& k : tenant.empty() ? store_.keys() : store_.keys_of(tenant)) {
      out.push_back(auth::key_to_json(k));
    }
    return out;
  }
  void revoke_key(const std::string& id) override { store_.revoke_key(id); }
  void set_public(const std::string& kind, const Name& object, bool on) override {
    store_.set_public(object_kind(kind), object.user, object.name, on);
  }
  void share(const Name& function, const std::string& grantee, bool shared) override {
    store_.share_function(function.user, function.name, grantee, shared);
  }

 private:
  auth::TenantInfo known(const std::string& tenant) {
    auto t = store_.tenant(tenant);
    if (!t) throw auth::NotFound(fmt::format("no tenant '{}'", tenant));
    return *t;
  }

  auth::TenantStore store_;
};

// The server's admin API (/v1/admin, docs/admin.md), every request with the admin's key.
class HttpAdmin final : public AdminBackend {
 public:
  explicit HttpAdmin(HttpClient client) : client_(std::move(client)) {}

  json add_tenant(const std::string& name, bool admin) override {
    return call("PUT", tenant_path(name), json{{"role", admin ? "admin" : "tenant"}});
  }
  json tenants() override { return call("GET", "/v1/admin/tenants").value("tenants", json()); }
  void remove_tenant(const std::string& name) override { call("DELETE", tenant_path(name)); }
  json quotas(const std::string& tenant) override {
    return call("GET", tenant_path(tenant) + "/quotas");
  }
  json set_quotas(const std::string& tenant, const json& partial) override {
    return call("PUT", tenant_path(tenant) + "/quotas", partial);
  }
  json create_key(const std::string& tenant, const std::string& label) override {
    return call("POST", tenant_path(tenant) + "/keys", json{{"label", label}});
  }
  json keys(const std::string& tenant) override {
    std::string target = "/v1/admin/keys";
    if (!tenant.empty()) target += "?tenant=" + escape_segment(tenant);
    return call("GET", target).value("keys", json());
  }
  void revoke_key(const std::string& id) override {
    call("DELETE", "/v1/admin/keys/" + escape_segment(id));
  }
  void set_public(const std::string& kind, const Name& object, bool on) override {
    call("PUT",
         fmt::format("/v1/admin/grants/public/{}/{}/{}", escape_segment(kind),
                     escape_segment(object.user), escape_segment(object.name)),
         json{{"public", on}});
  }
  void share(const Name& function, const std::string& grantee, bool shared) override {
    call("PUT",
         fmt::format("/v1/admin/grants/share/{}/{}/{}", escape_segment(function.user),
                     escape_segment(function.name), escape_segment(grantee)),
         json{{"shared", shared}});
  }

 private:
  static std::string tenant_path(const std::string& name) {
    return "/v1/admin/tenants/" + escape_segment(name);
  }

  // The response's JSON; null for 204. ServerError for an error status.
  json call(std::string_view method, const std::string& target, const json& body = nullptr) {
    HttpHeaders headers;
    std::string text;
    if (!body.is_null()) {
      headers.emplace_back("Content-Type", "application/json");
      text = body.dump();
    }
    HttpResponse r = client_.request(method, target, text, headers);
    expect_ok(r);
    if (r.status == 204 || r.body.empty()) return nullptr;
    return parse_json(r);
  }

  HttpClient client_;
};

// The server: --server, else $WASMLET_SERVER, else the config file's, else localhost:8080.
std::string server_address(const AdminOptions& o) {
  if (!o.server.empty()) return o.server;
  if (const char* env = std::getenv("WASMLET_SERVER"); env && *env) return env;
  if (auto config = load_client_config(); config && !config->server.empty()) {
    return config->server;
  }
  return "localhost:8080";
}

std::unique_ptr<AdminBackend> backend(const AdminOptions& o, std::string& server) {
  if (!o.data_dir.empty()) return std::make_unique<OfflineAdmin>(o.data_dir);
  server = server_address(o);
  std::string key = resolve_client_key(o.key);
  if (key.empty()) {
    throw Error(
        "the admin API needs an admin key: --key, $WASMLET_KEY or \"key\" in the config file "
        "(make the first one with --data-dir, see docs/admin.md)");
  }
  return std::make_unique<HttpAdmin>(
      connect_server({server, o.timeout_seconds, o.ca_file, std::move(key)}));
}

std::string date(const json& j) {
  auto t = static_cast<std::time_t>(j.value("created_unix", int64_t{0}));
  return fmt::format("{:%Y-%m-%d %H:%M:%S}Z", fmt::gmtime(t));
}

// "FIELD=VALUE" with VALUE as JSON (10, 2.5), else as a string, which the quota parser then
// refuses with the field's name.
json quota_changes(const std::vector<std::string>& settings) {
  json partial = json::object();
  for (const auto& s : settings) {
    size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error(fmt::format("--set takes FIELD=VALUE, got '{}'", s));
    }
    std::string value = s.substr(eq + 1);
    json v = json::parse(value, nullptr, /*allow_exceptions=*/false);
    partial[s.substr(0, eq)] = v.is_discarded() ? json(value) : v;
  }
  return partial;
}

void print_tenants(const json& list) {
  if (!list.is_array() || list.empty()) {
    std::cout << "no tenants\n";
    return;
  }
  std::cout << fmt::format("{:<24} {:<7} {}\n", "NAME", "ROLE", "CREATED");
  for (const auto& t : list) {
    std::cout << fmt::format("{:<24} {:<7} {}\n", t.value("name", ""), t.value("role", ""),
                             date(t));
  }
}

void print_keys(const json& list) {
  if (!list.is_array() || list.empty()) {
    std::cout << "no keys\n";
    return;
  }
  std::cout << fmt::format("{:<17} {:<24} {:<20} {}\n", "ID", "TENANT", "CREATED", "LABEL");
  for (const auto& k : list) {
    std::cout << fmt::format("{:<17} {:<24} {:<20} {}\n", k.value("id", ""), k.value("tenant", ""),
                             date(k), k.value("label", ""));
  }
}

int tenant_command(const CLI::App& sub, AdminBackend& b, const AdminOptions& o) {
  auto parsed = [&](const char* name) { return sub.get_subcommand(name)->parsed(); };
  if (parsed("add")) {
    json t = b.add_tenant(o.tenant, o.admin);
    std::cout << fmt::format("added tenant {} ({})\n", t.value("name", o.tenant),
                             t.value("role", ""));
  } else if (parsed("list")) {
    print_tenants(b.tenants());
  } else if (parsed("rm")) {
    b.remove_tenant(o.tenant);
    std::cout << fmt::format("removed tenant {}, its keys and its grants\n", o.tenant);
  } else {
    json q = o.set.empty() ? b.quotas(o.tenant) : b.set_quotas(o.tenant, quota_changes(o.set));
    std::cout << q.dump(2) << "\n";
  }
  return 0;
}

int key_command(const CLI::App& sub, AdminBackend& b, const AdminOptions& o) {
  if (sub.get_subcommand("create")->parsed()) {
    json k = b.create_key(o.tenant, o.label);
    std::cout << k.value("key", "") << std::endl;
    std::cerr << fmt::format(
        "key {} for tenant {}: keep it now, it will not be shown again (only its hash is "
        "stored)\n",
        k.value("id", ""), k.value("tenant", o.tenant));
  } else if (sub.get_subcommand("revoke")->parsed()) {
    b.revoke_key(o.key_id);
    std::cout << fmt::format("revoked key {}\n", o.key_id);
  } else {
    print_keys(b.keys(o.tenant));
  }
  return 0;
}

int dispatch(const CLI::App& admin, AdminBackend& b, const AdminOptions& o) {
  if (const auto* t = admin.get_subcommand("tenant"); t->parsed()) return tenant_command(*t, b, o);
  if (const auto* k = admin.get_subcommand("key"); k->parsed()) return key_command(*k, b, o);
  if (admin.get_subcommand("share")->parsed()) {
    Name fn = parse_name(o.object, "FUNCTION");
    b.share(fn, o.grantee, !o.revoke);
    std::cout << fmt::format("{} is {} with {}\n", fn.str(),
                             o.revoke ? "no longer shared" : "shared", o.grantee);
    return 0;
  }
  Name object = parse_name(o.object, "NAME");
  bool on = o.on_off == "on";
  b.set_public(o.kind, object, on);
  std::cout << fmt::format("{} {} is {}\n", o.kind, object.str(), on ? "public" : "not public");
  return 0;
}

}  // namespace

void add_admin_command(CLI::App& app, AdminOptions& o) {
  auto* admin = app.add_subcommand(
      "admin", "Manage tenants, API keys, quotas and grants (offline or over the admin API)");
  admin->require_subcommand(1);
  // Options may also follow the subcommands: they fall through to `admin`.
  admin->fallthrough();
  auto* dir = admin->add_option("--data-dir", o.data_dir,
                                "Work on this data directory directly (the server stopped)");
  admin->add_option("--server", o.server, "Server address HOST:PORT")->excludes(dir);
  admin->add_option("--key", o.key, "Admin API key (else $WASMLET_KEY or the config file)")
      ->excludes(dir);
  admin
      ->add_option("--cacert", o.ca_file,
                   "https://: verify the server's certificate against these CAs (PEM)")
      ->envname("WASMLET_CACERT")
      ->excludes(dir);
  admin->add_option("--timeout", o.timeout_seconds, "Give up on the server after this many seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  auto* tenant = admin->add_subcommand("tenant", "Add, list, remove tenants; show or set quotas");
  tenant->require_subcommand(1);
  auto* add = tenant->add_subcommand("add", "Add a tenant");
  add->add_option("name", o.tenant, "Tenant name")->required();
  add->add_flag("--admin", o.admin, "The tenant's keys may administer every tenant");
  tenant->add_subcommand("list", "List the tenants");
  tenant->add_subcommand("rm", "Remove a tenant, its keys and its grants")
      ->add_option("name", o.tenant, "Tenant name")
      ->required();
  auto* quota = tenant->add_subcommand("quota", "Print a tenant's quotas (JSON), or change them");
  quota->add_option("name", o.tenant, "Tenant name")->required();
  quota->add_option("--set", o.set, "FIELD=VALUE, e.g. calls_per_second=50 (repeatable)");

  auto* key = admin->add_subcommand("key", "Create, revoke or list API keys");
  key->require_subcommand(1);
  auto* create = key->add_subcommand("create", "Create a key and print it (shown only once)");
  create->add_option("tenant", o.tenant, "The tenant the key acts as")->required();
  create->add_option("--label", o.label, "A note on what the key is for (at most 128 bytes)");
  key->add_subcommand("revoke", "Revoke a key")->add_option("id", o.key_id, "Key id")->required();
  key->add_subcommand("list", "List keys (ids and labels, never the keys)")
      ->add_option("tenant", o.tenant, "Only this tenant's");

  auto* share = admin->add_subcommand("share", "Let another tenant invoke and chain a function");
  share->add_option("function", o.object, "OWNER/FUNCTION")->required();
  share->add_option("--with", o.grantee, "The tenant to share it with")->required();
  share->add_flag("--revoke", o.revoke, "Stop sharing it");

  auto* pub = admin->add_subcommand("public", "Let anyone invoke an object without a key, or not");
  pub->add_option("kind", o.kind, "function, app or workflow")
      ->required()
      ->check(CLI::IsMember({"function", "app", "workflow"}));
  pub->add_option("object", o.object, "OWNER/NAME")->required();
  pub->add_option("state", o.on_off, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
}

int run_admin_command(CLI::App& app, const AdminOptions& o, bool& handled) {
  const auto* admin = app.get_subcommand("admin");
  handled = admin->parsed();
  if (!handled) return 0;
  std::string server;
  try {
    auto b = backend(o, server);
    return dispatch(*admin, *b, o);
  } catch (const ConnectError& e) {
    std::cerr << fmt::format("wasmlet: error: cannot reach the server at {}: {}\n", server,
                             e.what());
  } catch (const TransportError& e) {
    std::cerr << fmt::format("wasmlet: error: no answer from the server at {}: {}\n", server,
                             e.what());
  } catch (const std::exception& e) {
    std::cout << std::flush;
    std::cerr << "wasmlet: error: " << e.what() << "\n";
  }
  return 1;
}

}  // namespace wasmlet::cli
