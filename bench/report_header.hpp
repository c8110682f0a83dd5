// What every benchmark report starts with: when, and how busy the machine was. Header-only,
// so that sp_hub_bench, which does not link the TestServer support, shares it too.
#pragma once

#include <ctime>
#include <fstream>
#include <string>

namespace sp::bench {

inline std::string Today() {
  const std::time_t now = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  return buf;
}

inline std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace sp::bench
