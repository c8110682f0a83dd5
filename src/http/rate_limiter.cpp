#include "http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace sp::http {
namespace {
constexpr size_t kPruneThreshold = 10'000;
}

RateLimiter::RateLimiter(const Clock& clock, double rate, double burst)
    : clock_(clock), rate_(rate), burst_(std::max(burst, 1.0)) {}

int RateLimiter::Acquire(std::string_view key) { return Acquire(key, rate_, burst_); }

int RateLimiter::Acquire(std::string_view key, double rate, double burst) {
  if (rate <= 0) return 0;
  burst = std::max(burst, 1.0);
  const TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  if (buckets_.size() > kPruneThreshold) PruneLocked(now);
  auto [it, inserted] = buckets_.try_emplace(std::string(key), Bucket{burst, now});
  Bucket& b = it->second;
  if (!inserted) {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst, b.tokens + std::max(elapsed, 0.0) * rate);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / rate)));
}

void RateLimiter::PruneLocked(TimePoint now) {
  // A bucket untouched long enough to have refilled carries no information.
  std::erase_if(buckets_, [&](const auto& kv) {
    return std::chrono::duration<double>(now - kv.second.updated).count() * rate_ >= burst_;
  });
}

}  // namespace sp::http
