// What the end-to-end tests of every platform check of a session: that it reaches a state,
// and that a viewer connected through the control plane receives a drawn framebuffer.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/test_server.hpp"

namespace sp::test {

// Polls GET /api/v1/sessions/:id every `poll` until its state is `state` (or failed), or
// `limit` passes; returns the last view.
nlohmann::json WaitForSessionState(const TestServer& server, const std::string& token,
                                   const std::string& id, const std::string& state,
                                   std::chrono::milliseconds limit = std::chrono::seconds(60),
                                   std::chrono::milliseconds poll = std::chrono::milliseconds(50));

// Connects a noVNC-like viewer through /connect and the proxy, completes the RFB handshake
// and asks for full updates until one is not a single colour (gtest failures otherwise).
void ExpectViewerPixels(const TestServer& server, const std::string& token, const std::string& id);

}  // namespace sp::test
