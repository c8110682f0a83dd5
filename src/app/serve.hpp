// `streamspace serve`: the composition root. Builds every object from the configuration,
// wires routes, runs until SIGTERM/SIGINT, then shuts down gracefully.
#pragma once

#include "config/config.hpp"

namespace sp::app {

// Returns the process exit code. Start-up failures print one clear line and return 1.
int Serve(const config::ServeConfig& config);

}  // namespace sp::app
