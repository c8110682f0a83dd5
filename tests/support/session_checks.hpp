// What the end-to-end tests of every platform do with agents and check of a session: an
// agent registered and approved, online; a session reaching a state; a viewer connected
// through the control plane receiving a drawn framebuffer.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/test_server.hpp"

namespace sp::test {

// Registers an agent as it would itself (`fields` adds to agentId and platform), approves it
// as admin and returns its key (gtest failures otherwise).
std::string RegisterAndApproveAgent(const TestServer& server, const std::string& admin,
                                    const std::string& agent_id, const std::string& platform,
                                    const nlohmann::json& fields = nlohmann::json::object());

// Polls the agent until the control plane reports it online (false after 20 s).
bool WaitForAgentOnline(const TestServer& server, const std::string& admin,
                        const std::string& agent_id);

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
