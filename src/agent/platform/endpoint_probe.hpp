// Whether a session's endpoint is up yet: Xvnc greets like an RFB 3.8 server; a web app
// answers an HTTP request (any status). Platforms poll this while a session starts.
#pragma once

#include "agent/platform/platform.hpp"

namespace sp::agent {

// Blocks for at most about a second. `http`: send a HEAD request and expect "HTTP/".
bool EndpointAnswers(const Endpoint& endpoint, bool http);

}  // namespace sp::agent
