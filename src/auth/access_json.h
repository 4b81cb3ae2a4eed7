#pragma once
// The JSON shapes of tenants and keys in the HTTP admin API (docs/admin.md), shared by the
// server, which sends them, and `wasmlet admin`, which reads them.
#include <nlohmann/json.hpp>

#include "auth/tenant_store.h"

namespace wasmlet::auth {

// {"name":"alice","role":"tenant","created_unix":1700000000,"quotas":{...}}
nlohmann::json tenant_to_json(const TenantInfo& tenant);
// {"id":"0123456789abcdef","tenant":"alice","label":"ci","created_unix":1700000000}
nlohmann::json key_to_json(const KeyInfo& key);

}  // namespace wasmlet::auth
