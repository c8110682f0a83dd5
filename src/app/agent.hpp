// `streamspace agent`: an agent on its own, dialling a control plane.
#pragma once

#include "config/config.hpp"

namespace sp::app {

int RunAgent(const config::AgentCommandConfig& config);

}  // namespace sp::app
