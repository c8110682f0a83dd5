// API keys: domain types. A key is "sk_" + base64url(32 random bytes); only its SHA-256 is
// stored, with the first 8 characters kept as keyPrefix to recognise it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sp::apikeys {

inline constexpr std::string_view kKeyPrefix = "sk_";
inline constexpr size_t kKeyRandomBytes = 32;
inline constexpr size_t kDisplayPrefixLength = 8;

struct ApiKey {
  std::string id;
  std::string key_hash;
  std::string key_prefix;
  std::string name;
  std::string description;
  std::string user_id;
  std::string username;  // joined for admin lists
  std::vector<std::string> scopes;
  int64_t rate_limit = 0;  // requests per minute; 0 = only the per-client limit applies
  std::optional<std::string> expires_at;
  std::optional<std::string> last_used_at;
  int64_t use_count = 0;
  bool is_active = true;
  std::string created_at;
  std::string created_by;
};

struct CreateApiKeyRequest {
  std::string name;
  std::string description;
  std::vector<std::string> scopes;
  int64_t rate_limit = 0;
  std::optional<std::string> expires_in;  // "30d", "1y", ...
};

struct UpdateApiKeyRequest {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> scopes;
  std::optional<int64_t> rate_limit;
};

// A key as created or rotated: the secret is here and nowhere else, once.
struct IssuedKey {
  ApiKey key;
  std::string secret;
};

}  // namespace sp::apikeys
