#include "auth/password.hpp"

#include <sodium.h>

#include <fmt/format.h>

#include "common/strings.hpp"

namespace sp::auth {

Result<std::string> HashPassword(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Fail(Errc::kInternal, "", "crypto_pwhash_str failed (out of memory?)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  if (hash.empty()) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void BurnVerificationTime(std::string_view password) {
  static const std::string kDummy = [] {
    auto h = HashPassword("streamspace-timing-equaliser");
    return h ? *h : std::string();
  }();
  (void)VerifyPassword(password, kDummy);
}

Status CheckPasswordStrength(std::string_view password, std::string_view field) {
  const size_t len = Utf8Length(password);
  if (len < kMinPasswordLength) {
    return Fail(Errc::kInvalidArgument, fmt::format("field '{}': must be at least {} characters",
                                                    field, kMinPasswordLength));
  }
  if (len > kMaxPasswordLength) {
    return Fail(Errc::kInvalidArgument, fmt::format("field '{}': must be at most {} characters",
                                                    field, kMaxPasswordLength));
  }
  return Ok();
}

}  // namespace sp::auth
