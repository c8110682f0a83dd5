#include "areas/auth/login_throttle.hpp"

#include <algorithm>

namespace sp::authn {

int LoginThrottle::RetryAfterLocked(std::deque<TimePoint>& failures, int limit, TimePoint now) {
  while (!failures.empty() && now - failures.front() >= kWindow) failures.pop_front();
  if (static_cast<int>(failures.size()) < limit) return 0;
  const auto wait = std::chrono::duration_cast<std::chrono::seconds>(
      failures[failures.size() - static_cast<size_t>(limit)] + kWindow - now);
  return std::max<int>(1, static_cast<int>(wait.count()));
}

int LoginThrottle::RetryAfter(const std::string& username, const std::string& ip) {
  std::lock_guard lock(mu_);
  const TimePoint now = clock_.Now();
  return std::max(RetryAfterLocked(by_user_[username], kMaxFailures, now),
                  RetryAfterLocked(by_ip_[ip], kMaxFailuresPerIp, now));
}

void LoginThrottle::RecordFailure(const std::string& username, const std::string& ip) {
  std::lock_guard lock(mu_);
  const TimePoint now = clock_.Now();
  by_user_[username].push_back(now);
  by_ip_[ip].push_back(now);
  // Bounded memory under a spray of usernames: forget the oldest entries.
  if (by_user_.size() > 100'000) by_user_.clear();
  if (by_ip_.size() > 100'000) by_ip_.clear();
}

void LoginThrottle::RecordSuccess(const std::string& username) {
  std::lock_guard lock(mu_);
  by_user_.erase(username);
}

}  // namespace sp::authn
