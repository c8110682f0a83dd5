#include "auth/password.hpp"

#include <gtest/gtest.h>

#include "common/crypto.hpp"

namespace sp::auth {
namespace {

TEST(Password, HashIsArgon2idAndVerifies) {
  InitCrypto();
  auto hash = HashPassword("correct horse battery");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword("correct horse battery", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse batterY", *hash));
  EXPECT_FALSE(VerifyPassword("anything", ""));
  EXPECT_FALSE(VerifyPassword("anything", "garbage"));
}

TEST(Password, SameInputGivesDifferentSaltedHashes) {
  auto a = HashPassword("correct horse battery");
  auto b = HashPassword("correct horse battery");
  EXPECT_NE(*a, *b);
}

TEST(Password, StrengthRule) {
  EXPECT_FALSE(CheckPasswordStrength("short", "password"));
  EXPECT_EQ(CheckPasswordStrength("elevenchars", "password").error().message,
            "field 'password': must be at least 12 characters");
  EXPECT_TRUE(CheckPasswordStrength("twelve chars", "password"));
}

}  // namespace
}  // namespace sp::auth
