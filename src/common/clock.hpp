// Time is injected so that expiry, throttling and idle rules can be tested without sleeping.
#pragma once

#include <chrono>

namespace sp {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

}  // namespace sp
