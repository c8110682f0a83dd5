// Session activity (spec section 27): logging, timeline with filters, stats, CSV and JSON
// export, the per-user feed, and 404 for callers who do not own the session.
#include <chrono>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/test_server.hpp"

namespace sp::test {
namespace {

using nlohmann::json;

class SessionEventsApi : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = server_.SetupAndLoginAdmin();
    alice_id_ = server_.CreateUser(admin_, "alice", "alice password 1");
    bob_id_ = server_.CreateUser(admin_, "bob", "bob password 12");
    server_.CreateUser(admin_, "olga", "olga password 12", "operator");
    alice_ = server_.Login("alice", "alice password 1");
    bob_ = server_.Login("bob", "bob password 12");
    olga_ = server_.Login("olga", "olga password 12");
    auto created = http().Post("/api/v1/sessions", {{"template", "terminal"}}, alice_);
    if (created.status == 404) GTEST_SKIP() << "sessions area not wired yet: " << created.body;
    ASSERT_EQ(created.status, 201) << created.body;
    session_ = created.Json()["id"];
    base_ = "/api/v1/sessions/" + session_ + "/activity";
    // The session records its own lifecycle events while it starts; let it settle so that
    // counts taken by the tests do not move under them.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < give_up) {
      const json s = http().Get("/api/v1/sessions/" + session_, alice_).Json();
      if (s.value("state", "") == "running" || s.value("state", "") == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const HttpClient& http() { return server_.http(); }

  HttpResponse Log(const json& body, const std::string& token,
                   const std::string& user_agent = "EventsTest/1.0") {
    return http().Send("POST", base_ + "/log", body.dump(), token, {{"User-Agent", user_agent}});
  }
  // Events of one type in the timeline: the sessions area records its own events too, so the
  // tests count only the types they log.
  int64_t CountOf(const std::string& type, const std::string& token) {
    auto r = http().Get(base_ + "/timeline?event_type=" + type, token);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json().value("total", int64_t{-1});
  }

  TestServer server_;
  std::string admin_, alice_, bob_, olga_, alice_id_, bob_id_;
  std::string session_, base_;
};

TEST_F(SessionEventsApi, LogReturnsTheEvent) {
  auto r = Log({{"eventType", "user.connected"},
                {"description", "from the office"},
                {"metadata", {{"screen", "2560x1440"}, {"tabs", 3}}}},
               alice_);
  ASSERT_EQ(r.status, 201) << r.body;
  const json e = r.Json();
  EXPECT_FALSE(e["id"].get<std::string>().empty());
  EXPECT_EQ(e["sessionId"], session_);
  EXPECT_EQ(e["userId"], alice_id_);
  EXPECT_EQ(e["eventType"], "user.connected");
  EXPECT_EQ(e["eventCategory"], "connection");
  EXPECT_EQ(e["description"], "from the office");
  EXPECT_EQ(e["metadata"]["tabs"], 3);
  EXPECT_EQ(e["ipAddress"], "127.0.0.1");
  EXPECT_EQ(e["userAgent"], "EventsTest/1.0");
  const std::regex ms_utc(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)");
  EXPECT_TRUE(std::regex_match(e["timestamp"].get<std::string>(), ms_utc)) << e["timestamp"];

  // Empty optional fields are left out.
  auto bare = Log({{"eventType", "user.heartbeat"}}, alice_, "");
  ASSERT_EQ(bare.status, 201) << bare.body;
  EXPECT_FALSE(bare.Json().contains("description"));
  EXPECT_FALSE(bare.Json().contains("metadata"));
  EXPECT_FALSE(bare.Json().contains("userAgent"));
}

TEST_F(SessionEventsApi, LogValidation) {
  auto bad = [&](const json& body, const std::string& field) {
    auto r = Log(body, alice_);
    EXPECT_EQ(r.status, 400) << body.dump();
    EXPECT_NE(r.Json().value("message", "").find(field), std::string::npos) << r.body;
  };
  bad(json::object(), "eventType");
  bad({{"eventType", "session.exploded"}}, "eventType");
  bad({{"eventType", "user.connected"}, {"description", std::string(1001, 'x')}}, "description");
  bad({{"eventType", "user.connected"}, {"metadata", json::array({1, 2})}}, "metadata");
  bad({{"eventType", "user.connected"}, {"metadata", {{"blob", std::string(17 * 1024, 'x')}}}},
      "metadata");
  EXPECT_EQ(CountOf("user.connected", alice_), 0);
}

TEST_F(SessionEventsApi, TimelineIsOrderedFilteredAndPaged) {
  ASSERT_EQ(Log({{"eventType", "config.updated"}, {"description", "first"}}, alice_).status, 201);
  ASSERT_EQ(Log({{"eventType", "config.updated"}, {"description", "second"}}, alice_).status, 201);
  ASSERT_EQ(Log({{"eventType", "tags.updated"}, {"description", "third"}}, alice_).status, 201);

  auto all = http().Get(base_ + "/timeline?category=configuration", alice_);
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.Json()["total"], 3);
  const json events = all.Json()["events"];
  EXPECT_EQ(events[0]["description"], "first");
  EXPECT_EQ(events[1]["description"], "second");
  EXPECT_EQ(events[2]["description"], "third");
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_LE(events[i - 1]["timestamp"].get<std::string>(),
              events[i]["timestamp"].get<std::string>());
  }

  EXPECT_EQ(CountOf("config.updated", alice_), 2);
  auto paged = http().Get(base_ + "/timeline?category=configuration&page=2&page_size=2", alice_);
  ASSERT_EQ(paged.status, 200);
  EXPECT_EQ(paged.Json()["events"].size(), 1u);
  EXPECT_EQ(paged.Json()["events"][0]["description"], "third");
  EXPECT_EQ(paged.Json()["page"], 2);

  const std::string first_ts = events[0]["timestamp"];
  auto from = http().Get(base_ + "/timeline?category=configuration&start_date=" + first_ts, alice_);
  EXPECT_EQ(from.Json()["total"], 3);
  auto future = http().Get(base_ + "/timeline?start_date=2199-01-01T00:00:00Z", alice_);
  ASSERT_EQ(future.status, 200);
  EXPECT_EQ(future.Json()["total"], 0);
  auto past = http().Get(base_ + "/timeline?end_date=2000-01-01T00:00:00Z", alice_);
  EXPECT_EQ(past.Json()["total"], 0);

  auto bad_start = http().Get(base_ + "/timeline?start_date=last-week", alice_);
  EXPECT_EQ(bad_start.status, 400);
  EXPECT_NE(bad_start.Json().value("message", "").find("start_date"), std::string::npos);
  auto bad_end = http().Get(base_ + "/timeline?end_date=2026-02-30T00:00:00Z", alice_);
  EXPECT_EQ(bad_end.status, 400);
  EXPECT_NE(bad_end.Json().value("message", "").find("end_date"), std::string::npos);
  EXPECT_EQ(http().Get(base_ + "/timeline?event_type=nope", alice_).status, 400);
  EXPECT_EQ(http().Get(base_ + "/timeline?category=nope", alice_).status, 400);
  EXPECT_EQ(http().Get(base_ + "/timeline?page_size=0", alice_).status, 400);
}

TEST_F(SessionEventsApi, Stats) {
  auto before = http().Get(base_ + "/stats", alice_);
  ASSERT_EQ(before.status, 200) << before.body;
  const int64_t base_total = before.Json()["totalEvents"];
  const int64_t base_connections = before.Json()["connections"];
  ASSERT_EQ(Log({{"eventType", "user.connected"}}, alice_).status, 201);
  ASSERT_EQ(Log({{"eventType", "user.connected"}}, alice_).status, 201);
  ASSERT_EQ(Log({{"eventType", "user.disconnected"}}, alice_).status, 201);
  ASSERT_EQ(Log({{"eventType", "error.occurred"}}, alice_).status, 201);

  auto r = http().Get(base_ + "/stats", alice_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json s = r.Json();
  EXPECT_EQ(s["sessionId"], session_);
  EXPECT_EQ(s["totalEvents"], base_total + 4);
  EXPECT_EQ(s["connections"], base_connections + 2);
  EXPECT_EQ(s["byType"]["user.connected"], base_connections + 2);
  EXPECT_GE(s["byType"]["user.disconnected"].get<int64_t>(), 1);
  EXPECT_GE(s["byCategory"]["error"].get<int64_t>(), 1);
  ASSERT_EQ(s["hourly"].size(), 24u);
  int64_t hourly_sum = 0;
  for (const auto& n : s["hourly"]) hourly_sum += n.get<int64_t>();
  EXPECT_EQ(hourly_sum, base_total + 4);
  EXPECT_TRUE(s["firstEvent"].is_string());
  EXPECT_LE(s["firstEvent"].get<std::string>(), s["lastEvent"].get<std::string>());
}

TEST_F(SessionEventsApi, CsvExportQuotesAndNeutralises) {
  const std::string tricky = "left, \"quoted\"\nright";
  ASSERT_EQ(Log({{"eventType", "config.updated"}, {"description", tricky}}, alice_).status, 201);
  ASSERT_EQ(
      Log({{"eventType", "tags.updated"}, {"description", "=HYPERLINK(\"x\")"}}, alice_).status,
      201);

  auto r = http().Get(base_ + "/export?format=csv&category=configuration", alice_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type").rfind("text/csv", 0), 0u) << r.Header("content-type");
  EXPECT_EQ(r.Header("content-disposition"),
            "attachment; filename=\"session-" + session_ + "-activity.csv\"");
  const std::string header =
      "id,timestamp,eventType,eventCategory,userId,ipAddress,userAgent,description,metadata\r\n";
  ASSERT_EQ(r.body.rfind(header, 0), 0u) << r.body;
  EXPECT_NE(r.body.find(",\"left, \"\"quoted\"\"\nright\","), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(",\"'=HYPERLINK(\"\"x\"\")\","), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("," + alice_id_ + ",127.0.0.1,EventsTest/1.0,"), std::string::npos);
  // Header + two rows, each ended by CRLF.
  size_t lines = 0;
  for (size_t pos = r.body.find("\r\n"); pos != std::string::npos;
       pos = r.body.find("\r\n", pos + 2)) {
    ++lines;
  }
  EXPECT_EQ(lines, 3u);
}

TEST_F(SessionEventsApi, JsonExport) {
  ASSERT_EQ(Log({{"eventType", "access.granted"}, {"description", "to bob"}}, alice_).status, 201);
  auto r = http().Get(base_ + "/export?event_type=access.granted", alice_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type").rfind("application/json", 0), 0u);
  EXPECT_EQ(r.Header("content-disposition"),
            "attachment; filename=\"session-" + session_ + "-activity.json\"");
  const json j = r.Json();
  EXPECT_EQ(j["sessionId"], session_);
  ASSERT_EQ(j["events"].size(), 1u);
  EXPECT_EQ(j["events"][0]["eventCategory"], "access");
  EXPECT_EQ(http().Get(base_ + "/export?format=xml", alice_).status, 400);
  EXPECT_EQ(http().Get(base_ + "/export?format=json", alice_).status, 200);
}

TEST_F(SessionEventsApi, OthersSeeNothing) {
  ASSERT_EQ(Log({{"eventType", "user.connected"}}, alice_).status, 201);
  for (const std::string path : {"/timeline", "/stats", "/export", "/export?format=csv"}) {
    auto r = http().Get(base_ + path, bob_);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.Json().value("message", ""), "session not found") << path;
  }
  EXPECT_EQ(Log({{"eventType", "user.connected"}}, bob_).status, 404);
  EXPECT_EQ(CountOf("user.connected", alice_), 1);  // bob's attempt wrote nothing
  // A session that does not exist answers the same.
  EXPECT_EQ(http()
                .Get("/api/v1/sessions/00000000-0000-4000-8000-000000000000/activity/stats", alice_)
                .status,
            404);
  // Operators and admins see every session.
  EXPECT_EQ(CountOf("user.connected", olga_), 1);
  EXPECT_EQ(http().Get(base_ + "/stats", admin_).status, 200);
  EXPECT_EQ(http().Get(base_ + "/timeline", bob_ + "x").status, 401);
}

TEST_F(SessionEventsApi, UserSessionActivity) {
  ASSERT_EQ(Log({{"eventType", "share.created"}, {"description", "mine"}}, alice_).status, 201);
  const std::string feed = "/api/v1/users/" + alice_id_ + "/session-activity";
  auto mine = http().Get(feed + "?event_type=share.created", alice_);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.Json()["total"], 1);
  EXPECT_EQ(mine.Json()["events"][0]["sessionId"], session_);
  EXPECT_EQ(mine.Json()["events"][0]["description"], "mine");
  auto all = http().Get(feed, alice_);
  ASSERT_EQ(all.status, 200);
  EXPECT_GE(all.Json()["total"].get<int64_t>(), 1);
  EXPECT_EQ(http().Get(feed, olga_).status, 200);
  EXPECT_EQ(http().Get(feed, admin_).Json()["total"], all.Json()["total"]);
  EXPECT_EQ(http().Get(feed, bob_).status, 404);
  auto bobs = http().Get("/api/v1/users/" + bob_id_ + "/session-activity", bob_);
  ASSERT_EQ(bobs.status, 200);
  EXPECT_EQ(bobs.Json()["total"], 0);
  EXPECT_EQ(http().Get(feed + "?start_date=bad", alice_).status, 400);
}

}  // namespace
}  // namespace sp::test
