// Token buckets keyed by client (IP, API key, login name). In memory and per replica: a
// limit of N per second across three replicas lets through at most 3N, which is what a
// per-client abuse brake needs; nothing correctness-critical depends on it.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.hpp"

namespace sp::http {

class RateLimiter {
 public:
  // rate: tokens added per second; burst: bucket size. rate <= 0 disables the limiter.
  RateLimiter(const Clock& clock, double rate, double burst);

  // Takes one token. Returns 0 when allowed, else the seconds to wait (at least 1).
  int Acquire(std::string_view key);
  // Same with a rate given per call (API keys carry their own limit per minute).
  int Acquire(std::string_view key, double rate, double burst);

 private:
  struct Bucket {
    double tokens = 0;
    TimePoint updated;
  };
  void PruneLocked(TimePoint now);

  const Clock& clock_;
  double rate_;
  double burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace sp::http
