#include "common/crypto.hpp"

#include <set>

#include <gtest/gtest.h>

namespace sp {
namespace {

TEST(Crypto, NewIdIsUuidV4AndUnique) {
  InitCrypto();
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewId();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(Crypto, Sha256KnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, Base64UrlHasNoPaddingOrUnsafeCharacters) {
  const std::string encoded = Base64UrlEncode(std::string(32, '\xff'));
  EXPECT_EQ(encoded.size(), 43u);
  EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
}

TEST(Crypto, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secrets"));
}

}  // namespace
}  // namespace sp
