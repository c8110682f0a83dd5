// Slows password guessing: after kMaxFailures failed logins for one username (or
// kMaxFailuresPerIp from one address) within kWindow, further attempts are refused with 429
// until the window has passed. A success clears the username's count.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.hpp"

namespace sp::authn {

class LoginThrottle {
 public:
  static constexpr int kMaxFailures = 5;
  static constexpr int kMaxFailuresPerIp = 20;
  static constexpr std::chrono::seconds kWindow{15 * 60};

  explicit LoginThrottle(const Clock& clock) : clock_(clock) {}

  // Seconds until another attempt is allowed; 0 when allowed now.
  int RetryAfter(const std::string& username, const std::string& ip);
  void RecordFailure(const std::string& username, const std::string& ip);
  void RecordSuccess(const std::string& username);

 private:
  int RetryAfterLocked(std::deque<TimePoint>& failures, int limit, TimePoint now);

  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<TimePoint>> by_user_;
  std::unordered_map<std::string, std::deque<TimePoint>> by_ip_;
};

}  // namespace sp::authn
