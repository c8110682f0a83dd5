#include "areas/auth/login_throttle.hpp"

#include <gtest/gtest.h>

namespace sp::authn {
namespace {

class ManualClock final : public Clock {
 public:
  TimePoint Now() const override { return now; }
  TimePoint now{std::chrono::seconds(1'000'000)};
};

TEST(LoginThrottle, BlocksAfterRepeatedFailuresUntilTheWindowPasses) {
  ManualClock clock;
  LoginThrottle t(clock);
  for (int i = 0; i < LoginThrottle::kMaxFailures; ++i) {
    ASSERT_EQ(t.RetryAfter("alice", "1.1.1.1"), 0);
    t.RecordFailure("alice", "1.1.1.1");
  }
  const int wait = t.RetryAfter("alice", "2.2.2.2");
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, 15 * 60);
  EXPECT_EQ(t.RetryAfter("bob", "3.3.3.3"), 0);
  clock.now += LoginThrottle::kWindow;
  EXPECT_EQ(t.RetryAfter("alice", "2.2.2.2"), 0);
}

TEST(LoginThrottle, SuccessClearsTheUsername) {
  ManualClock clock;
  LoginThrottle t(clock);
  for (int i = 0; i < LoginThrottle::kMaxFailures - 1; ++i) t.RecordFailure("alice", "ip");
  t.RecordSuccess("alice");
  t.RecordFailure("alice", "ip");
  EXPECT_EQ(t.RetryAfter("alice", "ip"), 0);
}

TEST(LoginThrottle, ManyUsernamesFromOneAddressAreBlockedToo) {
  ManualClock clock;
  LoginThrottle t(clock);
  for (int i = 0; i < LoginThrottle::kMaxFailuresPerIp; ++i) {
    t.RecordFailure("user" + std::to_string(i), "9.9.9.9");
  }
  EXPECT_GT(t.RetryAfter("fresh-name", "9.9.9.9"), 0);
}

}  // namespace
}  // namespace sp::authn
