// Logging: one JSON object per line on stderr (spdlog). Secrets are never logged.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace sp {

// level: trace, debug, info, warn, error. Throws std::invalid_argument for anything else.
void SetupLogging(std::string_view level);

}  // namespace sp
