#pragma once
// Tenants, their keys, quotas, and the grants between them (public objects, functions shared
// with another tenant), kept in one JSON file under the server's data directory
// (DATA_DIR/auth/access.json, mode 0600, replaced atomically on every change) next to the
// secret that keys the hashes of API keys (DATA_DIR/auth/key-hash.secret, 32 random bytes,
// 0600, made on first open). Only HMAC-SHA256(secret, key secret) is stored, never a key.
//
// Thread-safe. Reads (authenticate, tenant, quotas, is_public, is_shared) take a shared lock
// and never touch the disk; changes write the file before they return and are seen by the
// next read.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/api_key.h"
#include "auth/principal.h"
#include "auth/quotas.h"
#include "util/error.h"

namespace wasmlet::auth {

// A change that cannot be made: unknown or duplicate tenant or key, a bad name. The message
// says which.
class AccessStoreError : public Error {
 public:
  using Error::Error;
};
class NotFound : public AccessStoreError {
 public:
  using AccessStoreError::AccessStoreError;
};
class AlreadyExists : public AccessStoreError {
 public:
  using AccessStoreError::AccessStoreError;
};

struct TenantInfo {
  std::string name;  // 1-64 of [A-Za-z0-9_.-], not "." or ".." (as user names)
  Role role = Role::Tenant;
  Quotas quotas;
  int64_t created_unix = 0;
};

struct KeyInfo {
  std::string id;
  std::string tenant;
  std::string label;  // free text from the creator, at most 128 bytes
  int64_t created_unix = 0;
};

// What requests act on. Functions, apps and workflows can be made public; functions shared.
enum class ObjectKind { Function, App, Workflow, State, File, Tenant, Key };
// "function", "app", "workflow", "state", "file", "tenant", "key"
std::string_view object_kind_name(ObjectKind kind);

class TenantStore {
 public:
  // Opens (and creates) DATA_DIR/auth. `defaults` are the quotas new tenants get. Throws
  // Error when the file exists but cannot be read or parsed (never starts with an empty
  // store in its place), or when the secret has the wrong size. Holds an exclusive lock
  // (DATA_DIR/auth/lock) while open: a second store on the same directory, in this process
  // or another (`wasmlet admin --data-dir` beside a running server), throws Error.
  TenantStore(std::filesystem::path data_dir, Quotas defaults = {});
  ~TenantStore();

  // True when no key exists: the server may then run open (see docs/security.md).
  bool has_keys() const;

  // Tenants.
  TenantInfo add_tenant(std::string_view name, Role role);  // AlreadyExists, AccessStoreError
  // Removes the tenant, its keys, its grants. NotFound.
  void remove_tenant(std::string_view name);
  std::vector<TenantInfo> tenants() const;
  std::optional<TenantInfo> tenant(std::string_view name) const;
  void set_quotas(std::string_view tenant, const Quotas& quotas);  // NotFound
  // The tenant's quotas; the defaults for a name that is no tenant (open mode).
  Quotas quotas(std::string_view tenant) const;

  // Keys. create_key returns the key; its text is shown once and never stored.
  ApiKey create_key(std::string_view tenant, std::string_view label);  // NotFound
  void revoke_key(std::string_view id);                                // NotFound
  std::vector<KeyInfo> keys() const;
  std::vector<KeyInfo> keys_of(std::string_view tenant) const;

  // The hot path: the key's principal, or nullopt for an unknown or revoked id or a wrong
  // secret (compared in constant time). No disk access; at most a few microseconds.
  std::optional<Principal> authenticate(const ApiKey& key) const;

  // Grants. Making something public lets anyone invoke it without a key; sharing a function
  // lets another tenant's functions chain to it and that tenant invoke it.
  void set_public(ObjectKind kind, std::string_view owner, std::string_view name, bool is_public);
  bool is_public(ObjectKind kind, std::string_view owner, std::string_view name) const;
  void share_function(std::string_view owner, std::string_view function, std::string_view grantee,
                      bool shared);
  bool is_shared(std::string_view owner, std::string_view function, std::string_view grantee) const;
  // Forgets grants on an object that was deleted.
  void forget_object(ObjectKind kind, std::string_view owner, std::string_view name);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wasmlet::auth
