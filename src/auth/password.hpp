// Password hashing with Argon2id (libsodium's crypto_pwhash_str, interactive limits).
// Hashing costs ~64 MiB and tens of milliseconds on purpose: call it on a worker thread.
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace sp::auth {

inline constexpr size_t kMinPasswordLength = 12;
inline constexpr size_t kMaxPasswordLength = 256;

Result<std::string> HashPassword(std::string_view password);
// False for a wrong password and for an empty or malformed hash.
bool VerifyPassword(std::string_view password, const std::string& hash);
// Spends the same time as a real verification; used for unknown users so that the response
// time does not tell which usernames exist.
void BurnVerificationTime(std::string_view password);
// kInvalidArgument naming `field` when the password is too short or too long.
Status CheckPasswordStrength(std::string_view password, std::string_view field);

}  // namespace sp::auth
