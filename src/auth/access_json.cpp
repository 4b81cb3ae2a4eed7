#include "auth/access_json.h"

namespace wasmlet::auth {

nlohmann::json tenant_to_json(const TenantInfo& t) {
  return {{"name", t.name},
          {"role", role_name(t.role)},
          {"created_unix", t.created_unix},
          {"quotas", quotas_to_json(t.quotas)}};
}

nlohmann::json key_to_json(const KeyInfo& k) {
  return {{"id", k.id}, {"tenant", k.tenant}, {"label", k.label}, {"created_unix", k.created_unix}};
}

}  // namespace wasmlet::auth
