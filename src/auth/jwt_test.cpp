#include "auth/jwt.hpp"

#include <gtest/gtest.h>

namespace sp::auth {
namespace {

class ManualClock final : public Clock {
 public:
  TimePoint Now() const override { return now; }
  TimePoint now{std::chrono::seconds(1'700'000'000)};
};

TokenClaims Claims(const ManualClock& clock) {
  return {"u1", "alice", "admin", "s1", clock.now, clock.now + std::chrono::hours(1)};
}

TEST(Jwt, RoundTrip) {
  ManualClock clock;
  JwtCodec codec(std::string(32, 'k'), clock);
  auto token = codec.Encode(Claims(clock));
  ASSERT_TRUE(token);
  auto claims = codec.Decode(*token);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->user_id, "u1");
  EXPECT_EQ(claims->role, "admin");
  EXPECT_EQ(claims->session_id, "s1");
}

TEST(Jwt, ExpiredTokenIsRefused) {
  ManualClock clock;
  JwtCodec codec(std::string(32, 'k'), clock);
  auto token = codec.Encode(Claims(clock));
  clock.now += std::chrono::hours(2);
  auto claims = codec.Decode(*token);
  ASSERT_FALSE(claims);
  EXPECT_EQ(claims.error().code, Errc::kUnauthenticated);
}

TEST(Jwt, OtherSecretAndTamperingAreRefused) {
  ManualClock clock;
  JwtCodec codec(std::string(32, 'k'), clock);
  JwtCodec other(std::string(32, 'x'), clock);
  auto token = codec.Encode(Claims(clock));
  EXPECT_FALSE(other.Decode(*token));
  std::string tampered = *token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(codec.Decode(tampered));
  EXPECT_FALSE(codec.Decode("not.a.jwt"));
  EXPECT_FALSE(codec.Decode(""));
}

TEST(Jwt, AlgNoneIsRefused) {
  ManualClock clock;
  JwtCodec codec(std::string(32, 'k'), clock);
  // {"alg":"none","typ":"JWT"} . {"sub":"u1","sid":"s1","exp":9999999999,"iss":"streamspace"} .
  const std::string unsigned_token =
      "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
      "eyJzdWIiOiJ1MSIsInNpZCI6InMxIiwiZXhwIjo5OTk5OTk5OTk5LCJpc3MiOiJzdHJlYW1zcGFjZSJ9.";
  EXPECT_FALSE(codec.Decode(unsigned_token));
}

}  // namespace
}  // namespace sp::auth
