#include "auth/principal.h"

namespace wasmlet::auth {

std::string_view role_name(Role role) { return role == Role::Admin ? "admin" : "tenant"; }

std::optional<Role> parse_role(std::string_view name) {
  if (name == "tenant") return Role::Tenant;
  if (name == "admin") return Role::Admin;
  return std::nullopt;
}

}  // namespace wasmlet::auth
