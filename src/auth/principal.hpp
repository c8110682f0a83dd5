// Who is calling: the user behind a JWT or an API key, with what that credential may do.
// Services take it to authorise every resource they touch.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace sp::auth {

inline constexpr std::string_view kRoleAdmin = "admin";
inline constexpr std::string_view kRoleOperator = "operator";
inline constexpr std::string_view kRoleUser = "user";

enum class CredentialKind { kJwt, kApiKey };

struct Principal {
  std::string user_id;
  std::string username;
  std::string role;
  CredentialKind kind = CredentialKind::kJwt;
  std::string auth_session_id;      // JWT: the login session, revoked on logout
  std::string api_key_id;           // API key: its id
  std::vector<std::string> scopes;  // API key: empty means every right of its owner
  std::string client_ip;            // for the audit log

  bool IsAdmin() const { return role == kRoleAdmin; }
  bool IsOperator() const { return role == kRoleAdmin || role == kRoleOperator; }
  bool IsSelf(std::string_view id) const { return user_id == id; }
};

}  // namespace sp::auth
