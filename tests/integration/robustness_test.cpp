// Bad input, oversized bodies, rate limits, graceful and ungraceful stops.
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/test_server.hpp"

namespace sp::test {
namespace {

using nlohmann::json;

TEST(Robustness, MalformedJsonAndWrongTypesAre400NamingTheProblem) {
  TestServer server;
  const std::string admin = server.SetupAndLoginAdmin();
  auto malformed = server.http().Send("POST", "/api/v1/users", "{\"username\": ", admin);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.Json()["error"], "invalid_request");
  EXPECT_EQ(malformed.Json()["message"], "request body is not valid JSON");
  auto array = server.http().Send("POST", "/api/v1/groups", "[1,2,3]", admin);
  EXPECT_EQ(array.status, 400);
  auto wrong_type = server.http().Post(
      "/api/v1/groups", {{"name", 12}, {"displayName", "x y z"}, {"type", "team"}}, admin);
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(wrong_type.Json()["message"], "field 'name': must be a string");
  // Nothing was half-written by any of these.
  EXPECT_EQ(server.http().Get("/api/v1/users", admin).Json()["total"], 1);
  EXPECT_EQ(server.http().Get("/api/v1/groups", admin).Json()["total"], 0);
}

TEST(Robustness, TwoMegabyteBodyIs413AndTheServerCarriesOn) {
  TestServer server;
  const std::string admin = server.SetupAndLoginAdmin();
  const std::string huge = "{\"name\":\"" + std::string(2 * 1024 * 1024, 'a') + "\"}";
  auto r = server.http().Send("POST", "/api/v1/apikeys", huge, admin);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.Json()["error"], "payload_too_large");
  EXPECT_EQ(server.http().Get("/api/v1/users/me", admin).status, 200);
}

TEST(Robustness, UnknownRoutesAndMethods) {
  TestServer server;
  EXPECT_EQ(server.http().Get("/api/v1/nothing-here").status, 404);
  auto r = server.http().Send("DELETE", "/health");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "GET");
}

TEST(Robustness, SecurityHeadersOnEveryResponse) {
  TestServer server;
  for (const auto& r : {server.http().Get("/health"), server.http().Get("/api/v1/users/me"),
                        server.http().Get("/nope")}) {
    EXPECT_EQ(r.Header("x-content-type-options"), "nosniff");
    EXPECT_EQ(r.Header("x-frame-options"), "DENY");
    EXPECT_FALSE(r.Header("x-request-id").empty());
  }
}

TEST(Robustness, PerClientRateLimitAnswers429WithRetryAfter) {
  TestServer server(
      {.extra_args = {"--rate-limit", "1", "--rate-burst", "5"}, .rate_limit_off = false});
  int ok = 0;
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 20; ++i) {
    auto r = server.http().Get("/health");
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      retry_after = r.Header("retry-after");
    }
  }
  EXPECT_GE(ok, 5);
  EXPECT_GT(limited, 0);
  EXPECT_GE(std::stoi(retry_after), 1);
}

TEST(Robustness, SigtermStopsCleanly) {
  TestServer server;
  server.SetupAndLoginAdmin();
  EXPECT_EQ(server.Stop(), 0);
  EXPECT_NE(server.Log().find("\"msg\":\"stopped\""), std::string::npos);
}

TEST(Robustness, SigkillDuringWritesLosesNothingAcknowledged) {
  TestServer server;
  const std::string admin = server.SetupAndLoginAdmin();
  std::atomic<int> acknowledged{0};
  std::atomic<int> attempted{0};
  std::vector<std::string> acked_names[4];
  std::vector<std::thread> writers;
  std::atomic<bool> stop{false};
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop && i < 200; ++i) {
        const std::string name = "burst-" + std::to_string(t) + "-" + std::to_string(i);
        ++attempted;
        auto r = server.http().Post(
            "/api/v1/groups", {{"name", name}, {"displayName", "Burst " + name}, {"type", "team"}},
            admin);
        if (r.status == 201) {
          ++acknowledged;
          acked_names[t].push_back(name);
        }
      }
    });
  }
  // Kill once writes are flowing.
  while (acknowledged < 20) std::this_thread::yield();
  server.Kill();
  stop = true;
  for (auto& w : writers) w.join();

  server.Start();
  const std::string token = server.Login("admin", kAdminPassword);
  auto list = server.http().Get("/api/v1/groups?page_size=1000", token);
  ASSERT_EQ(list.status, 200) << list.body;
  const json body = list.Json();
  const int total = body["total"];
  // Every acknowledged write is there; at most the in-flight ones were also committed.
  EXPECT_GE(total, acknowledged.load());
  EXPECT_LE(total, attempted.load());
  std::set<std::string> present;
  for (const auto& g : body["groups"]) present.insert(g["name"].get<std::string>());
  for (const auto& names : acked_names) {
    for (const auto& n : names) EXPECT_TRUE(present.count(n)) << n;
  }
  // And the server keeps working normally: writes succeed after the restart.
  EXPECT_EQ(
      server.http()
          .Post("/api/v1/groups",
                {{"name", "after-restart"}, {"displayName", "After"}, {"type", "team"}}, token)
          .status,
      201);
}

}  // namespace
}  // namespace sp::test
