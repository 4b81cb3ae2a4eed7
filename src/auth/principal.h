#pragma once
// Who a request acts as, once its key is checked.
#include <optional>
#include <string>
#include <string_view>

namespace wasmlet::auth {

enum class Role { Tenant, Admin };

std::string_view role_name(Role role);                  // "tenant", "admin"
std::optional<Role> parse_role(std::string_view name);  // the inverse; nullopt for others

struct Principal {
  std::string tenant;  // the tenant the key belongs to
  Role role = Role::Tenant;
  std::string key_id;  // for the audit log

  bool admin() const { return role == Role::Admin; }
  // A tenant acts on its own objects; an admin on everyone's.
  bool may_act_for(std::string_view owner) const { return admin() || tenant == owner; }
};

}  // namespace wasmlet::auth
