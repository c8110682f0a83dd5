#include "tests/support/session_checks.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "tests/support/rfb_client.hpp"
#include "tests/support/ws_client.hpp"

namespace sp::test {

std::string RegisterAndApproveAgent(const TestServer& server, const std::string& admin,
                                    const std::string& agent_id, const std::string& platform,
                                    const nlohmann::json& fields) {
  nlohmann::json body = fields;
  body["agentId"] = agent_id;
  body["platform"] = platform;
  auto reg = server.http().Post("/api/v1/agents/register", body);
  EXPECT_EQ(reg.status, 201) << reg.body;
  EXPECT_EQ(reg.Json()["status"], "pending");
  auto approved = server.http().Post("/api/v1/agents/" + agent_id + "/approve",
                                     nlohmann::json::object(), admin);
  EXPECT_EQ(approved.status, 200) << approved.body;
  return approved.Json().value("apiKey", "");
}

bool WaitForAgentOnline(const TestServer& server, const std::string& admin,
                        const std::string& agent_id) {
  for (int i = 0; i < 400; ++i) {
    if (server.http().Get("/api/v1/agents/" + agent_id, admin).Json().value("status", "") ==
        "online") {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

nlohmann::json WaitForSessionState(const TestServer& server, const std::string& token,
                                   const std::string& id, const std::string& state,
                                   std::chrono::milliseconds limit,
                                   std::chrono::milliseconds poll) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  nlohmann::json s;
  while (std::chrono::steady_clock::now() < give_up) {
    auto r = server.http().Get("/api/v1/sessions/" + id, token);
    s = r.Json();
    if (r.status == 200 && (s["state"] == state || s["state"] == "failed")) return s;
    std::this_thread::sleep_for(poll);
  }
  return s;
}

void ExpectViewerPixels(const TestServer& server, const std::string& token, const std::string& id) {
  auto connect = server.http().Get("/api/v1/sessions/" + id + "/connect", token);
  ASSERT_EQ(connect.status, 200) << connect.body;
  const nlohmann::json info = connect.Json();
  EXPECT_EQ(info["protocol"], "vnc");
  int status = 0;
  auto ws = WsClient::Connect(server.port(), info["path"], {}, "binary", &status);
  ASSERT_NE(ws, nullptr) << "viewer upgrade refused with HTTP " << status;
  EXPECT_EQ(ws->subprotocol(), "binary");
  WsRfbTransport transport(*ws);
  RfbClient rfb(transport);
  const ServerInit init = rfb.Handshake(/*shared=*/false);  // the proxy forces it to shared
  EXPECT_GT(init.width, 0);
  EXPECT_GT(init.height, 0);
  rfb.SetRawEncoding();
  RfbClient::Framebuffer fb;
  // The app draws shortly after the display is up; ask again until something is drawn.
  bool drawn = false;
  for (int i = 0; i < 60 && !drawn; ++i) {
    rfb.RequestFullUpdate(false);
    ASSERT_TRUE(rfb.ReadUpdate(fb, std::chrono::seconds(10)));
    drawn = RfbClient::NotUniform(fb);
    if (!drawn) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(drawn) << "the framebuffer stayed one colour";
  ws->Close();
}

}  // namespace sp::test
