#include "areas/session_events/session_event_service.hpp"

#include <filesystem>
#include <stdexcept>

#include <gtest/gtest.h>

#include "areas/session_events/session_event_json.hpp"
#include "common/crypto.hpp"

namespace sp::session_events {
namespace {

using namespace std::chrono_literals;

// --- vocabulary and time ----------------------------------------------------------------

TEST(SessionEvents, EveryTypeHasItsCategory) {
  EXPECT_EQ(CategoryOf("session.created"), "lifecycle");
  EXPECT_EQ(CategoryOf("session.deleted"), "lifecycle");
  EXPECT_EQ(CategoryOf("session.hibernated"), "state");
  EXPECT_EQ(CategoryOf("user.connected"), "connection");
  EXPECT_EQ(CategoryOf("tags.updated"), "configuration");
  EXPECT_EQ(CategoryOf("share.revoked"), "access");
  EXPECT_EQ(CategoryOf("error.occurred"), "error");
  EXPECT_EQ(CategoryOf("session.exploded"), "");
  EXPECT_EQ(CategoryOf(""), "");
  for (const auto& info : kEventTypes) {
    EXPECT_TRUE(IsKnownCategory(CategoryOf(info.type))) << info.type;
  }
}

TEST(SessionEvents, TimestampsHaveMilliseconds) {
  const TimePoint t = TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 11 / 26)) + 1h +
                      2min + 3s + 456ms + 789us;
  EXPECT_EQ(FormatTimeMs(t), "2026-11-26T01:02:03.456Z");
  EXPECT_EQ(FormatTimeMs(t - 456ms - 789us), "2026-11-26T01:02:03.000Z");
  auto parsed = ParseTimeMs("2026-11-26T01:02:03.456Z");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(FormatTimeMs(*parsed), "2026-11-26T01:02:03.456Z");
  EXPECT_EQ(FormatTimeMs(*ParseTimeMs("2026-11-26T03:02:03.4+02:00")), "2026-11-26T01:02:03.400Z");
  EXPECT_EQ(FormatTimeMs(*ParseTimeMs("2026-11-26T01:02:03.123456789Z")),
            "2026-11-26T01:02:03.123Z");
  EXPECT_FALSE(ParseTimeMs("yesterday"));
  EXPECT_FALSE(ParseTimeMs("2026-11-26T01:02:03"));  // no zone
}

TEST(SessionEvents, UuidV7IsOrderedAndWellFormed) {
  const std::string rnd(8, '\xff');
  const std::string a = UuidV7(1'700'000'000'000, 0, rnd);
  const std::string b = UuidV7(1'700'000'000'000, 1, std::string(8, '\0'));
  const std::string c = UuidV7(1'700'000'000'001, 0, std::string(8, '\0'));
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '7');                                          // version
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);  // variant
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST(SessionEvents, TruncateUtf8KeepsWholeCharacters) {
  EXPECT_EQ(TruncateUtf8("abcdef", 4), "abcd");
  EXPECT_EQ(TruncateUtf8("ab\xc3\xa9", 3), "ab");  // "abé": the é does not fit
  EXPECT_EQ(TruncateUtf8("ab\xc3\xa9", 4), "ab\xc3\xa9");
}

// --- CSV --------------------------------------------------------------------------------

TEST(SessionEventsCsv, QuotesPerRfc4180) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("line1\nline2"), "\"line1\nline2\"");
  EXPECT_EQ(CsvField("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(CsvField("a, \"b\"\nc"), "\"a, \"\"b\"\"\nc\"");
}

TEST(SessionEventsCsv, NeutralisesFormulas) {
  EXPECT_EQ(CsvField("=1+2"), "'=1+2");
  EXPECT_EQ(CsvField("+1"), "'+1");
  EXPECT_EQ(CsvField("-1"), "'-1");
  EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvField("\tx"), "'\tx");
  // Prefixed first, then quoted as a whole.
  EXPECT_EQ(CsvField("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  // Only the first character counts.
  EXPECT_EQ(CsvField("a=b"), "a=b");
}

TEST(SessionEventsCsv, HeaderAndRows) {
  Event e;
  e.id = "id-1";
  e.session_id = "s1";
  e.event_type = "user.connected";
  e.category = "connection";
  e.description = "hello, world";
  e.metadata = {{"k", "v"}};
  e.ip_address = "127.0.0.1";
  e.user_agent = "curl/8";
  e.timestamp = "2026-01-02T03:04:05.006Z";
  Event f = e;
  f.id = "id-2";
  f.user_id = "u1";
  f.description.clear();
  f.metadata = nlohmann::json::object();
  const std::string csv = ToCsv({e, f});
  EXPECT_EQ(csv,
            "id,timestamp,eventType,eventCategory,userId,ipAddress,userAgent,description,metadata"
            "\r\n"
            "id-1,2026-01-02T03:04:05.006Z,user.connected,connection,,127.0.0.1,curl/8,"
            "\"hello, world\",\"{\"\"k\"\":\"\"v\"\"}\"\r\n"
            "id-2,2026-01-02T03:04:05.006Z,user.connected,connection,u1,127.0.0.1,curl/8,,{}\r\n");
  EXPECT_EQ(ToCsv({}), std::string(kCsvHeader) + "\r\n");
}

TEST(SessionEventsCsv, DispositionNamesTheSession) {
  EXPECT_EQ(ExportDisposition("abc-123", "csv"),
            "attachment; filename=\"session-abc-123-activity.csv\"");
  EXPECT_EQ(ExportDisposition("a\"b/../c", "json"),
            "attachment; filename=\"session-abc-activity.json\"");
}

// --- stats ------------------------------------------------------------------------------

TEST(SessionEventStats, FoldsGroupedCounts) {
  const std::vector<TypeHourCount> counts = {{"user.connected", 9, 3},
                                             {"user.connected", 10, 2},
                                             {"user.disconnected", 10, 4},
                                             {"session.created", 0, 1},
                                             {"error.occurred", 23, 5}};
  const SessionStats s =
      BuildStats("s1", counts, "2026-01-01T00:00:00.000Z", "2026-01-01T23:00:00.000Z");
  EXPECT_EQ(s.session_id, "s1");
  EXPECT_EQ(s.total_events, 15);
  EXPECT_EQ(s.connections, 5);
  ASSERT_EQ(s.by_type.size(), 4u);
  EXPECT_EQ(s.by_type[0], (std::pair<std::string, int64_t>("error.occurred", 5)));
  EXPECT_EQ(s.by_type[2], (std::pair<std::string, int64_t>("user.connected", 5)));
  ASSERT_EQ(s.by_category.size(), kCategories.size());
  EXPECT_EQ(s.by_category[0], (std::pair<std::string, int64_t>("lifecycle", 1)));
  EXPECT_EQ(s.by_category[1], (std::pair<std::string, int64_t>("connection", 9)));
  EXPECT_EQ(s.by_category[2], (std::pair<std::string, int64_t>("state", 0)));
  EXPECT_EQ(s.by_category[5], (std::pair<std::string, int64_t>("error", 5)));
  EXPECT_EQ(s.hourly[0], 1);
  EXPECT_EQ(s.hourly[9], 3);
  EXPECT_EQ(s.hourly[10], 6);
  EXPECT_EQ(s.hourly[23], 5);
  EXPECT_EQ(s.hourly[12], 0);

  const nlohmann::json j = ToJson(s);
  EXPECT_EQ(j["totalEvents"], 15);
  EXPECT_EQ(j["byType"]["user.disconnected"], 4);
  EXPECT_EQ(j["byCategory"]["state"], 0);
  EXPECT_EQ(j["hourly"].size(), 24u);
  EXPECT_EQ(j["firstEvent"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(j["connections"], 5);
}

TEST(SessionEventStats, EmptySession) {
  const SessionStats s = BuildStats("s1", {}, std::nullopt, std::nullopt);
  EXPECT_EQ(s.total_events, 0);
  EXPECT_TRUE(s.by_type.empty());
  const nlohmann::json j = ToJson(s);
  EXPECT_TRUE(j["firstEvent"].is_null());
  EXPECT_TRUE(j["lastEvent"].is_null());
  EXPECT_TRUE(j["byType"].is_object());
}

// --- request parsing --------------------------------------------------------------------

Result<EventFilter> Filter(std::string_view query) {
  return ParseEventFilter(http::QueryParams::Parse(query));
}

void ExpectRejected(std::string_view query, std::string_view names) {
  auto f = Filter(query);
  ASSERT_FALSE(f) << query;
  EXPECT_EQ(f.error().code, Errc::kInvalidArgument);
  EXPECT_NE(f.error().message.find(names), std::string::npos) << f.error().message;
}

TEST(SessionEventFilter, ParsesEveryParameter) {
  auto f = Filter(
      "event_type=user.connected&category=connection&start_date=2026-01-01T00:00:00Z&end_date="
      "2026-01-02T10:00:00.250%2B02:00");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->event_type, "user.connected");
  EXPECT_EQ(f->category, "connection");
  EXPECT_EQ(f->start, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(f->end, "2026-01-02T08:00:00.250Z");
  auto none = Filter("");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->event_type || none->category || none->start || none->end);
  auto empty = Filter("event_type=&start_date=");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->event_type || empty->start);
}

TEST(SessionEventFilter, FullDatesCoverTheWholeDay) {
  auto f = Filter("start_date=2026-03-04&end_date=2026-03-04");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->start, "2026-03-04T00:00:00.000Z");
  EXPECT_EQ(f->end, "2026-03-04T23:59:59.999Z");
}

TEST(SessionEventFilter, RejectionsNameTheParameter) {
  ExpectRejected("event_type=session.exploded", "'event_type'");
  ExpectRejected("category=fun", "'category'");
  ExpectRejected("start_date=yesterday", "'start_date'");
  ExpectRejected("end_date=2026-13-01T00:00:00Z", "'end_date'");
  ExpectRejected("start_date=2026-01-01T00:00:00", "'start_date'");
  ExpectRejected("start_date=2026-01-02T00:00:00Z&end_date=2026-01-01T00:00:00Z", "'end_date'");
}

TEST(SessionEventFilter, ExportFormat) {
  EXPECT_EQ(*ParseExportFormat(http::QueryParams::Parse("")), ExportFormat::kJson);
  EXPECT_EQ(*ParseExportFormat(http::QueryParams::Parse("format=json")), ExportFormat::kJson);
  EXPECT_EQ(*ParseExportFormat(http::QueryParams::Parse("format=csv")), ExportFormat::kCsv);
  auto bad = ParseExportFormat(http::QueryParams::Parse("format=xml"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'format'"), std::string::npos);
}

TEST(SessionEventLogBody, Validation) {
  auto ok = ParseLogEvent(
      R"({"eventType":"config.updated","description":"changed","metadata":{"a":[1,2]}})");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->event_type, "config.updated");
  EXPECT_EQ(ok->metadata["a"][1], 2);
  auto minimal = ParseLogEvent(R"({"eventType":"user.heartbeat"})");
  ASSERT_TRUE(minimal);
  EXPECT_TRUE(minimal->metadata.is_object());
  EXPECT_TRUE(minimal->metadata.empty());

  auto rejects = [](const std::string& body, std::string_view field) {
    auto r = ParseLogEvent(body);
    ASSERT_FALSE(r) << body;
    EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
  };
  rejects("{}", "'eventType'");
  rejects(R"({"eventType":"nope"})", "'eventType'");
  rejects(R"({"eventType":"user.connected","description":")" + std::string(1001, 'x') + "\"}",
          "'description'");
  rejects(R"({"eventType":"user.connected","metadata":[1]})", "'metadata'");
  rejects(
      R"({"eventType":"user.connected","metadata":{"big":")" + std::string(16 * 1024, 'x') + "\"}}",
      "'metadata'");
  rejects("[1]", "JSON object");
}

// --- the service over a real SQLite database ---------------------------------------------

class FakeClock final : public Clock {
 public:
  TimePoint Now() const override { return now_; }
  void Set(TimePoint t) { now_ = t; }
  void Advance(std::chrono::milliseconds d) { now_ += d; }

 private:
  TimePoint now_;
};

class SessionEventServiceTest : public ::testing::Test {
 protected:
  SessionEventServiceTest() {
    InitCrypto();
    char tmpl[] = "/tmp/sp-session-events-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto opened = db::Database::Open({"sqlite://" + dir_ + "/t.db", 2});
    if (!opened) throw std::runtime_error(opened.error().message);
    db_ = std::move(*opened);
    clock_.Set(*ParseTimeMs("2026-05-06T09:15:00.000Z"));
    service_ = std::make_unique<SessionEventService>(*db_, repo_, clock_);
    auto st = db_->Transaction([&](db::Conn& c) -> Status {
      const std::string now = "2026-05-06T00:00:00Z";
      for (const char* id : {"alice", "bob", "olga"}) {
        const std::string uid = id;
        const std::string role = uid == "olga" ? "operator" : "user";
        c.sql() << "INSERT INTO users (id, username, role, created_at, updated_at) VALUES (:id, "
                   ":un, :r, :c, :u)",
            soci::use(uid), soci::use(uid), soci::use(role), soci::use(now), soci::use(now);
      }
      c.sql() << "INSERT INTO templates (id, name, display_name, created_at, updated_at) VALUES "
                 "('t1', 'terminal', 'Terminal', :c, :u)",
          soci::use(now), soci::use(now);
      for (const char* id : {"s1", "s2"}) {
        const std::string sid = id;
        c.sql() << "INSERT INTO sessions (id, user_id, template_id, template_name, state, "
                   "cpu_millicores, memory_mib, idle_timeout_s, created_at, updated_at) VALUES "
                   "(:id, 'alice', 't1', 'terminal', 'running', 1000, 1024, 1800, :c, :u)",
            soci::use(sid), soci::use(now), soci::use(now);
      }
      return Ok();
    });
    if (!st) throw std::runtime_error(st.error().message);
  }
  ~SessionEventServiceTest() override {
    service_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  static auth::Principal Who(const std::string& id, const std::string& role = "user") {
    auth::Principal p;
    p.user_id = id;
    p.username = id;
    p.role = role;
    return p;
  }

  void Record(const std::string& session, std::string_view type) {
    auto st = db_->Transaction([&](db::Conn& c) -> Status {
      service_->Record(
          c, {.session_id = session, .user_id = "alice", .event_type = std::string(type)});
      return Ok();
    });
    ASSERT_TRUE(st) << st.error().message;
  }

  std::string dir_;
  std::unique_ptr<db::Database> db_;
  SessionEventRepository repo_;
  FakeClock clock_;
  std::unique_ptr<SessionEventService> service_;
};

TEST_F(SessionEventServiceTest, RecordLogAndTimeline) {
  Record("s1", kSessionCreated);
  Record("s1", kSessionStarted);  // same millisecond: the id keeps the order
  clock_.Advance(1500ms);
  auto logged =
      service_->Log(Who("alice"), "s1", {"user.connected", "from the office", {{"screen", "4k"}}},
                    "10.0.0.7", "Mozilla/5.0");
  ASSERT_TRUE(logged) << logged.error().message;
  EXPECT_EQ(logged->category, "connection");
  EXPECT_EQ(logged->user_id, "alice");
  EXPECT_EQ(logged->ip_address, "10.0.0.7");
  EXPECT_EQ(logged->timestamp, "2026-05-06T09:15:01.500Z");
  Record("s2", kSessionCreated);

  auto list = service_->Timeline(Who("alice"), "s1", {}, {1, 50});
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->total, 3);
  ASSERT_EQ(list->events.size(), 3u);
  EXPECT_EQ(list->events[0].event_type, "session.created");
  EXPECT_EQ(list->events[1].event_type, "session.started");
  EXPECT_EQ(list->events[2].event_type, "user.connected");
  EXPECT_EQ(list->events[2].metadata["screen"], "4k");
  EXPECT_EQ(list->events[2].user_agent, "Mozilla/5.0");

  EventFilter only_connection;
  only_connection.category = "connection";
  auto filtered = service_->Timeline(Who("alice"), "s1", only_connection, {1, 50});
  ASSERT_TRUE(filtered);
  EXPECT_EQ(filtered->total, 1);
  EventFilter later;
  later.start = "2026-05-06T09:15:00.001Z";
  EXPECT_EQ(service_->Timeline(Who("alice"), "s1", later, {1, 50})->total, 1);
  EventFilter earlier;
  earlier.end = "2026-05-06T09:15:00.000Z";
  EXPECT_EQ(service_->Timeline(Who("alice"), "s1", earlier, {1, 50})->total, 2);
  auto page2 = service_->Timeline(Who("alice"), "s1", {}, {2, 2});
  ASSERT_TRUE(page2);
  ASSERT_EQ(page2->events.size(), 1u);
  EXPECT_EQ(page2->events[0].event_type, "user.connected");
}

TEST_F(SessionEventServiceTest, OnlyOwnersAndOperatorsSeeASession) {
  Record("s1", kSessionCreated);
  auto other = service_->Timeline(Who("bob"), "s1", {}, {1, 50});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Errc::kNotFound);
  EXPECT_EQ(other.error().message, "session not found");
  EXPECT_FALSE(service_->Stats(Who("bob"), "s1"));
  EXPECT_FALSE(service_->Export(Who("bob"), "s1", {}));
  EXPECT_FALSE(service_->Log(Who("bob"), "s1", {"user.connected", "", {}}, "", ""));
  auto missing = service_->Timeline(Who("olga", "operator"), "nope", {}, {1, 50});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
  EXPECT_EQ(service_->Timeline(Who("olga", "operator"), "s1", {}, {1, 50})->total, 1);
  EXPECT_EQ(service_->Timeline(Who("root", "admin"), "s1", {}, {1, 50})->total, 1);
  // Nothing was written by the refused log.
  EXPECT_EQ(service_->Timeline(Who("alice"), "s1", {}, {1, 50})->total, 1);
}

TEST_F(SessionEventServiceTest, StatsExportAndUserActivity) {
  Record("s1", kSessionCreated);
  clock_.Advance(3h);
  Record("s1", kUserConnected);
  Record("s1", kUserConnected);
  Record("s2", kUserDisconnected);

  auto stats = service_->Stats(Who("alice"), "s1");
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->total_events, 3);
  EXPECT_EQ(stats->connections, 2);
  EXPECT_EQ(stats->hourly[9], 1);
  EXPECT_EQ(stats->hourly[12], 2);
  EXPECT_EQ(stats->first_event, "2026-05-06T09:15:00.000Z");
  EXPECT_EQ(stats->last_event, "2026-05-06T12:15:00.000Z");
  auto other_session = service_->Stats(Who("alice"), "s2");
  ASSERT_TRUE(other_session);
  EXPECT_EQ(other_session->total_events, 1);

  auto exported = service_->Export(Who("alice"), "s1", {});
  ASSERT_TRUE(exported);
  EXPECT_EQ(exported->events.size(), 3u);
  EXPECT_FALSE(exported->truncated);

  auto mine = service_->UserActivity(Who("alice"), "alice", {}, {1, 50});
  ASSERT_TRUE(mine) << mine.error().message;
  EXPECT_EQ(mine->total, 4);
  EXPECT_EQ(mine->events.front().event_type, "user.disconnected");  // newest first
  EXPECT_EQ(service_->UserActivity(Who("olga", "operator"), "alice", {}, {1, 50})->total, 4);
  auto theirs = service_->UserActivity(Who("bob"), "alice", {}, {1, 50});
  ASSERT_FALSE(theirs);
  EXPECT_EQ(theirs.error().code, Errc::kNotFound);
  auto nobody = service_->UserActivity(Who("olga", "operator"), "ghost", {}, {1, 50});
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().code, Errc::kNotFound);
  EXPECT_EQ(service_->UserActivity(Who("bob"), "bob", {}, {1, 50})->total, 0);
}

TEST_F(SessionEventServiceTest, RecordRejectsUnknownTypes) {
  auto st = db_->Transaction([&](db::Conn& c) -> Status {
    EXPECT_THROW(service_->Record(c, {.session_id = "s1", .event_type = "session.exploded"}),
                 std::invalid_argument);
    return Ok();
  });
  EXPECT_TRUE(st);
}

}  // namespace
}  // namespace sp::session_events
