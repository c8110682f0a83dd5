#include "http/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace sp::http {
namespace {

class ManualClock final : public Clock {
 public:
  TimePoint Now() const override { return now; }
  TimePoint now{std::chrono::seconds(1000)};
};

TEST(RateLimiter, AllowsBurstThenRefusesWithRetryAfter) {
  ManualClock clock;
  RateLimiter limiter(clock, 1.0, 3.0);
  EXPECT_EQ(limiter.Acquire("a"), 0);
  EXPECT_EQ(limiter.Acquire("a"), 0);
  EXPECT_EQ(limiter.Acquire("a"), 0);
  EXPECT_EQ(limiter.Acquire("a"), 1);
  EXPECT_EQ(limiter.Acquire("b"), 0);  // keys are independent
  clock.now += std::chrono::seconds(1);
  EXPECT_EQ(limiter.Acquire("a"), 0);
  EXPECT_GT(limiter.Acquire("a"), 0);
}

TEST(RateLimiter, ZeroRateDisables) {
  ManualClock clock;
  RateLimiter limiter(clock, 0, 0);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limiter.Acquire("a"), 0);
}

}  // namespace
}  // namespace sp::http
