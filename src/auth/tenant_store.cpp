#include "auth/tenant_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <unordered_map>

#include "util/files.h"
#include "util/names.h"

namespace wasmlet::auth {

namespace fs = std::filesystem;
using nlohmann::json;

std::string_view object_kind_name(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::Function:
      return "function";
    case ObjectKind::App:
      return "app";
    case ObjectKind::Workflow:
      return "workflow";
    case ObjectKind::State:
      return "state";
    case ObjectKind::File:
      return "file";
    case ObjectKind::Tenant:
      return "tenant";
    case ObjectKind::Key:
      return "key";
  }
  return "function";
}

namespace {

constexpr int kFormat = 1;
constexpr size_t kSecretBytes = 32;
constexpr size_t kMaxLabel = 128;
using Hash = std::array<unsigned char, 32>;

std::optional<ObjectKind> parse_kind(std::string_view name) {
  for (auto k : {ObjectKind::Function, ObjectKind::App, ObjectKind::Workflow}) {
    if (object_kind_name(k) == name) return k;
  }
  return std::nullopt;
}

int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string hex(const Hash& h) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : h) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::optional<Hash> unhex(std::string_view s) {
  if (s.size() != 64) return std::nullopt;
  Hash h{};
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < h.size(); ++i) {
    int hi = nibble(s[2 * i]);
    int lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    h[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return h;
}

// HMAC-SHA256 keyed once: each hash starts from a copy of the keyed context, which spares
// fetching the algorithm and hashing the key's pads on every call (bench/auth_bench).
class KeyHasher {
 public:
  explicit KeyHasher(const std::string& key) {
    mac_.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (mac_) base_.reset(EVP_MAC_CTX_new(mac_.get()));
    std::array<char, 7> digest{"SHA256"};
    std::array<OSSL_PARAM, 2> params{
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest.data(), 0),
        OSSL_PARAM_construct_end()};
    if (!base_ || EVP_MAC_init(base_.get(), reinterpret_cast<const unsigned char*>(key.data()),
                               key.size(), params.data()) != 1) {
      throw Error("cannot set up HMAC-SHA256 (OpenSSL)");
    }
  }

  Hash hash(std::string_view data) const {
    Hash out{};
    size_t len = 0;
    std::unique_ptr<EVP_MAC_CTX, CtxFree> ctx(EVP_MAC_CTX_dup(base_.get()));
    if (!ctx ||
        EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
      throw Error("HMAC-SHA256 failed (OpenSSL)");
    }
    return out;
  }

 private:
  struct MacFree {
    void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
  };
  struct CtxFree {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
  };
  std::unique_ptr<EVP_MAC, MacFree> mac_;
  std::unique_ptr<EVP_MAC_CTX, CtxFree> base_;
};

struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct KeyRecord {
  KeyInfo info;
  Hash hash{};
};

// A public object (grantee empty) or a function shared with a grantee.
struct Grant {
  ObjectKind kind = ObjectKind::Function;
  std::string owner, name, grantee;
};
struct GrantRef {
  ObjectKind kind;
  std::string_view owner, name, grantee;
};
auto as_tuple(const Grant& g) {
  return std::tuple<ObjectKind, std::string_view, std::string_view, std::string_view>(
      g.kind, g.owner, g.name, g.grantee);
}
auto as_tuple(const GrantRef& g) { return std::tie(g.kind, g.owner, g.name, g.grantee); }
struct GrantLess {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return as_tuple(a) < as_tuple(b);
  }
};

// Everything the file holds. A change is made on a copy, written, then swapped in, so that a
// failed write leaves memory as the disk has it.
struct State {
  std::map<std::string, TenantInfo, std::less<>> tenants;
  std::unordered_map<std::string, KeyRecord, NameHash, std::equal_to<>> keys;
  std::set<Grant, GrantLess> public_objects;
  std::set<Grant, GrantLess> shares;
};

void check_name(std::string_view what, std::string_view name) {
  if (!util::valid_name(name)) {
    throw AccessStoreError(
        fmt::format("invalid {} name '{}' (1-64 of A-Z a-z 0-9 _ . -)", what, name.substr(0, 80)));
  }
}

void check_label(std::string_view label) {
  if (label.size() > kMaxLabel) {
    throw AccessStoreError(fmt::format("a key's label is at most {} bytes", kMaxLabel));
  }
  bool control = std::any_of(label.begin(), label.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (control) throw AccessStoreError("a key's label may not hold control characters");
  try {
    (void)json(label).dump();
  } catch (const json::exception&) {
    throw AccessStoreError("a key's label must be UTF-8");
  }
}

}  // namespace

namespace {

json grant_json(const Grant& g, bool share) {
  if (share) return {{"owner", g.owner}, {"function", g.name}, {"grantee", g.grantee}};
  return {{"kind", object_kind_name(g.kind)}, {"owner", g.owner}, {"name", g.name}};
}

json state_json(const State& s) {
  json tenants = json::array();
  for (const auto& [name, t] : s.tenants) {
    tenants.push_back({{"name", t.name},
                       {"role", role_name(t.role)},
                       {"created_unix", t.created_unix},
                       {"quotas", quotas_to_json(t.quotas)}});
  }
  // Sorted, so that the file changes only where the store did.
  std::map<std::string_view, const KeyRecord*> sorted;
  for (const auto& [id, k] : s.keys) sorted.emplace(id, &k);
  json keys = json::array();
  for (const auto& [id, k] : sorted) {
    keys.push_back({{"id", k->info.id},
                    {"tenant", k->info.tenant},
                    {"label", k->info.label},
                    {"created_unix", k->info.created_unix},
                    {"hmac_sha256", hex(k->hash)}});
  }
  json public_objects = json::array();
  for (const auto& g : s.public_objects) public_objects.push_back(grant_json(g, false));
  json shares = json::array();
  for (const auto& g : s.shares) shares.push_back(grant_json(g, true));
  return {{"format", kFormat},
          {"tenants", tenants},
          {"keys", keys},
          {"public", public_objects},
          {"shares", shares}};
}

// The file's checks: what a hand edit or a torn disk could get wrong.
class Corrupt : public Error {
 public:
  using Error::Error;
};

std::string text_field(const json& j, const char* field) {
  if (!j.is_object() || !j.contains(field) || !j[field].is_string()) {
    throw Corrupt(fmt::format("'{}' must be a string", field));
  }
  return j[field].get<std::string>();
}

std::string name_field(const json& j, const char* field) {
  std::string name = text_field(j, field);
  if (!util::valid_name(name)) throw Corrupt(fmt::format("bad name in '{}'", field));
  return name;
}

int64_t time_field(const json& j) {
  if (!j.contains("created_unix") || !j["created_unix"].is_number_integer()) {
    throw Corrupt("'created_unix' must be a whole number");
  }
  return j["created_unix"].get<int64_t>();
}

void load_tenants(const json& list, const Quotas& defaults, State& s) {
  for (const auto& t : list) {
    TenantInfo info;
    info.name = name_field(t, "name");
    auto role = parse_role(text_field(t, "role"));
    if (!role) throw Corrupt(fmt::format("tenant {}: unknown role", info.name));
    info.role = *role;
    info.created_unix = time_field(t);
    if (!t.contains("quotas")) throw Corrupt(fmt::format("tenant {}: no quotas", info.name));
    info.quotas = quotas_from_json(t["quotas"], defaults);
    if (!s.tenants.emplace(info.name, info).second) {
      throw Corrupt(fmt::format("tenant {} twice", info.name));
    }
  }
}

void load_keys(const json& list, State& s) {
  for (const auto& k : list) {
    KeyRecord r;
    r.info.id = text_field(k, "id");
    if (!valid_key_id(r.info.id)) throw Corrupt("a key's 'id' is not 16 hex digits");
    r.info.tenant = name_field(k, "tenant");
    if (!s.tenants.contains(r.info.tenant)) {
      throw Corrupt(fmt::format("key {} of unknown tenant {}", r.info.id, r.info.tenant));
    }
    r.info.label = text_field(k, "label");
    r.info.created_unix = time_field(k);
    auto hash = unhex(text_field(k, "hmac_sha256"));
    if (!hash) throw Corrupt(fmt::format("key {}: bad 'hmac_sha256'", r.info.id));
    r.hash = *hash;
    std::string id = r.info.id;
    if (!s.keys.emplace(id, std::move(r)).second) throw Corrupt(fmt::format("key {} twice", id));
  }
}

void load_grants(const json& j, State& s) {
  for (const auto& p : j.at("public")) {
    auto kind = parse_kind(text_field(p, "kind"));
    if (!kind) throw Corrupt("a public object of unknown kind");
    s.public_objects.insert(Grant{*kind, name_field(p, "owner"), name_field(p, "name"), {}});
  }
  for (const auto& g : j.at("shares")) {
    s.shares.insert(Grant{ObjectKind::Function, name_field(g, "owner"), name_field(g, "function"),
                          name_field(g, "grantee")});
  }
}

State parse_state(const std::string& text, const Quotas& defaults) {
  json j = json::parse(text);
  if (!j.is_object()) throw Corrupt("not a JSON object");
  if (!j.contains("format") || j["format"] != kFormat) {
    throw Corrupt(fmt::format("unknown format (this server reads format {})", kFormat));
  }
  for (const char* list : {"tenants", "keys", "public", "shares"}) {
    if (!j.contains(list) || !j[list].is_array()) throw Corrupt(fmt::format("no '{}' list", list));
  }
  State s;
  load_tenants(j["tenants"], defaults, s);
  load_keys(j["keys"], s);
  load_grants(j, s);
  return s;
}

}  // namespace

namespace {

std::string errno_text() { return std::strerror(errno); }

// One store per data directory: a second (the offline `wasmlet admin` while a server runs)
// would overwrite the other's changes.
util::UniqueFd lock_dir(const fs::path& dir) {
  fs::path path = dir / "lock";
  util::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) throw Error(fmt::format("cannot open {}: {}", path.string(), errno_text()));
  while (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      throw Error(
          fmt::format("{} is in use by another process (a running server?): change it through that "
                      "server's admin API",
                      dir.string()));
    }
    throw Error(fmt::format("cannot lock {}: {}", path.string(), errno_text()));
  }
  return fd;
}

std::string read_secret(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(fmt::format("cannot read {}: {}", path.string(), errno_text()));
  }
  if (!S_ISREG(st.st_mode) || static_cast<size_t>(st.st_size) != kSecretBytes) {
    throw Error(
        fmt::format("{} is not {} bytes: refusing to start (restore it; a new secret "
                    "would invalidate every key)",
                    path.string(), kSecretBytes));
  }
  return util::read_text_file(path);
}

// 32 random bytes, made once: written to a temporary file, then linked into place, which
// fails if another process made it first.
std::string load_or_make_secret(const fs::path& dir) {
  fs::path path = dir / "key-hash.secret";
  if (fs::exists(path)) return read_secret(path);
  std::array<unsigned char, kSecretBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw Error("the system's random number generator failed");
  }
  std::string secret(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  fs::path tmp = dir / ".key-hash.secret.new";
  fs::remove(tmp);
  util::write_file_atomic(tmp, secret, 0600);
  int rc = ::link(tmp.c_str(), path.c_str());
  int err = errno;
  fs::remove(tmp);
  if (rc != 0 && err != EEXIST) {
    throw Error(fmt::format("cannot create {}: {}", path.string(), std::strerror(err)));
  }
  util::sync_directory(dir);
  return rc == 0 ? secret : read_secret(path);
}

}  // namespace

struct TenantStore::Impl {
  fs::path dir, file;
  Quotas defaults;
  util::UniqueFd lock;
  std::optional<KeyHasher> hasher;
  mutable std::shared_mutex mutex;
  State state;

  // Writes `next` and makes it the store's state. Called with `mutex` held exclusively.
  void commit(State next) {
    util::write_file_atomic(file, state_json(next).dump(1), 0600);
    util::sync_directory(dir);
    state = std::move(next);
  }

  void load() {
    if (!fs::exists(file)) return;
    std::string text = util::read_text_file(file);  // unreadable: its own message
    try {
      state = parse_state(text, defaults);
    } catch (const json::exception& e) {
      throw Error(fmt::format("{} is corrupt: {}", file.string(), e.what()));
    } catch (const Error& e) {  // Corrupt, or a bad quota
      throw Error(fmt::format("{} is corrupt: {}", file.string(), e.what()));
    }
  }

  const TenantInfo& known_tenant(const State& s, std::string_view name) const {
    auto it = s.tenants.find(name);
    if (it == s.tenants.end()) throw NotFound(fmt::format("no tenant '{}'", name.substr(0, 80)));
    return it->second;
  }
};

TenantStore::TenantStore(fs::path data_dir, Quotas defaults) : impl_(std::make_unique<Impl>()) {
  data_dir /= "auth";
  impl_->dir = std::move(data_dir);
  impl_->file = impl_->dir / "access.json";
  impl_->defaults = defaults;
  fs::create_directories(impl_->dir);
  fs::permissions(impl_->dir, fs::perms::owner_all, fs::perm_options::replace);
  impl_->lock = lock_dir(impl_->dir);
  impl_->hasher.emplace(load_or_make_secret(impl_->dir));
  impl_->load();
}

TenantStore::~TenantStore() = default;

bool TenantStore::has_keys() const {
  std::shared_lock lock(impl_->mutex);
  return !impl_->state.keys.empty();
}

TenantInfo TenantStore::add_tenant(std::string_view name, Role role) {
  check_name("tenant", name);
  std::unique_lock lock(impl_->mutex);
  if (impl_->state.tenants.contains(name)) {
    throw AlreadyExists(fmt::format("tenant '{}' exists", name));
  }
  TenantInfo info{std::string(name), role, impl_->defaults, now_unix()};
  State next = impl_->state;
  next.tenants.emplace(info.name, info);
  impl_->commit(std::move(next));
  return info;
}

void TenantStore::remove_tenant(std::string_view name) {
  std::unique_lock lock(impl_->mutex);
  impl_->known_tenant(impl_->state, name);
  State next = impl_->state;
  next.tenants.erase(next.tenants.find(name));
  std::erase_if(next.keys, [&](const auto& k) { return k.second.info.tenant == name; });
  std::erase_if(next.public_objects, [&](const Grant& g) { return g.owner == name; });
  std::erase_if(next.shares, [&](const Grant& g) { return g.owner == name || g.grantee == name; });
  impl_->commit(std::move(next));
}

std::vector<TenantInfo> TenantStore::tenants() const {
  std::shared_lock lock(impl_->mutex);
  std::vector<TenantInfo> out;
  for (const auto& [name, t] : impl_->state.tenants) out.push_back(t);
  return out;
}

std::optional<TenantInfo> TenantStore::tenant(std::string_view name) const {
  std::shared_lock lock(impl_->mutex);
  auto it = impl_->state.tenants.find(name);
  if (it == impl_->state.tenants.end()) return std::nullopt;
  return it->second;
}

void TenantStore::set_quotas(std::string_view tenant, const Quotas& quotas) {
  std::unique_lock lock(impl_->mutex);
  impl_->known_tenant(impl_->state, tenant);
  State next = impl_->state;
  next.tenants.find(tenant)->second.quotas = quotas;
  impl_->commit(std::move(next));
}

Quotas TenantStore::quotas(std::string_view tenant) const {
  std::shared_lock lock(impl_->mutex);
  auto it = impl_->state.tenants.find(tenant);
  return it == impl_->state.tenants.end() ? impl_->defaults : it->second.quotas;
}

ApiKey TenantStore::create_key(std::string_view tenant, std::string_view label) {
  check_label(label);
  ApiKey key = generate_key();
  KeyRecord record{{key.id, std::string(tenant), std::string(label), now_unix()},
                   impl_->hasher->hash(key.secret)};
  std::unique_lock lock(impl_->mutex);
  impl_->known_tenant(impl_->state, tenant);
  // 64 random bits: a collision is as good as impossible, but would replace another's key.
  if (impl_->state.keys.contains(key.id)) throw Error("key id collision; try again");
  State next = impl_->state;
  next.keys.emplace(key.id, std::move(record));
  impl_->commit(std::move(next));
  return key;
}

void TenantStore::revoke_key(std::string_view id) {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->state.keys.contains(id)) {
    throw NotFound(fmt::format("no key '{}'", id.substr(0, 80)));
  }
  State next = impl_->state;
  next.keys.erase(next.keys.find(id));
  impl_->commit(std::move(next));
}

namespace {

std::vector<KeyInfo> sorted_keys(const State& s, std::optional<std::string_view> tenant) {
  std::vector<KeyInfo> out;
  for (const auto& [id, k] : s.keys) {
    if (!tenant || k.info.tenant == *tenant) out.push_back(k.info);
  }
  std::sort(out.begin(), out.end(), [](const KeyInfo& a, const KeyInfo& b) {
    return std::tie(a.tenant, a.created_unix, a.id) < std::tie(b.tenant, b.created_unix, b.id);
  });
  return out;
}

}  // namespace

std::vector<KeyInfo> TenantStore::keys() const {
  std::shared_lock lock(impl_->mutex);
  return sorted_keys(impl_->state, std::nullopt);
}

std::vector<KeyInfo> TenantStore::keys_of(std::string_view tenant) const {
  std::shared_lock lock(impl_->mutex);
  return sorted_keys(impl_->state, tenant);
}

std::optional<Principal> TenantStore::authenticate(const ApiKey& key) const {
  // Hashed before the lookup and outside the lock: the time taken does not say whether the id
  // exists, and readers hold the lock only for the lookup.
  Hash presented = impl_->hasher->hash(key.secret);
  std::shared_lock lock(impl_->mutex);
  auto it = impl_->state.keys.find(key.id);
  if (it == impl_->state.keys.end()) return std::nullopt;
  const KeyRecord& r = it->second;
  if (CRYPTO_memcmp(presented.data(), r.hash.data(), presented.size()) != 0) return std::nullopt;
  auto tenant = impl_->state.tenants.find(r.info.tenant);
  if (tenant == impl_->state.tenants.end()) return std::nullopt;
  return Principal{r.info.tenant, tenant->second.role, r.info.id};
}

void TenantStore::set_public(ObjectKind kind, std::string_view owner, std::string_view name,
                             bool is_public) {
  check_name("owner", owner);
  check_name("object", name);
  std::unique_lock lock(impl_->mutex);
  GrantRef ref{kind, owner, name, {}};
  if (impl_->state.public_objects.contains(ref) == is_public) return;
  State next = impl_->state;
  if (is_public) {
    next.public_objects.insert(Grant{kind, std::string(owner), std::string(name), {}});
  } else {
    next.public_objects.erase(next.public_objects.find(ref));
  }
  impl_->commit(std::move(next));
}

bool TenantStore::is_public(ObjectKind kind, std::string_view owner, std::string_view name) const {
  std::shared_lock lock(impl_->mutex);
  return impl_->state.public_objects.contains(GrantRef{kind, owner, name, {}});
}

void TenantStore::share_function(std::string_view owner, std::string_view function,
                                 std::string_view grantee, bool shared) {
  check_name("owner", owner);
  check_name("function", function);
  check_name("grantee", grantee);
  std::unique_lock lock(impl_->mutex);
  GrantRef ref{ObjectKind::Function, owner, function, grantee};
  if (impl_->state.shares.contains(ref) == shared) return;
  State next = impl_->state;
  if (shared) {
    next.shares.insert(Grant{ObjectKind::Function, std::string(owner), std::string(function),
                             std::string(grantee)});
  } else {
    next.shares.erase(next.shares.find(ref));
  }
  impl_->commit(std::move(next));
}

bool TenantStore::is_shared(std::string_view owner, std::string_view function,
                            std::string_view grantee) const {
  std::shared_lock lock(impl_->mutex);
  return impl_->state.shares.contains(GrantRef{ObjectKind::Function, owner, function, grantee});
}

void TenantStore::forget_object(ObjectKind kind, std::string_view owner, std::string_view name) {
  std::unique_lock lock(impl_->mutex);
  auto matches = [&](const Grant& g) {
    return g.kind == kind && g.owner == owner && g.name == name;
  };
  bool any = std::any_of(impl_->state.public_objects.begin(), impl_->state.public_objects.end(),
                         matches) ||
             std::any_of(impl_->state.shares.begin(), impl_->state.shares.end(), matches);
  if (!any) return;
  State next = impl_->state;
  std::erase_if(next.public_objects, matches);
  std::erase_if(next.shares, matches);
  impl_->commit(std::move(next));
}

}  // namespace wasmlet::auth
