#include "realtime/event_filter.hpp"

#include <gtest/gtest.h>

namespace sp::realtime {
namespace {

auth::Principal User(std::string id, std::string role = "user") {
  auth::Principal p;
  p.user_id = std::move(id);
  p.role = std::move(role);
  return p;
}

HubEvent SessionEvent(std::string user, std::string session, std::string event) {
  HubEvent e;
  e.channel = "sessions";
  e.user_id = std::move(user);
  e.session_id = std::move(session);
  e.event = std::move(event);
  return e;
}

TEST(EventFilter, UsersReceiveOnlyTheirOwnEventsWhateverTheFilter) {
  const auto alice = User("alice");
  EXPECT_TRUE(Delivers(alice, {}, SessionEvent("alice", "s1", "session.created")));
  EXPECT_FALSE(Delivers(alice, {}, SessionEvent("bob", "s2", "session.created")));
  EventFilter wide;
  wide.session_ids = {"s2"};
  EXPECT_FALSE(Delivers(alice, wide, SessionEvent("bob", "s2", "session.created")));
  // Events about nobody in particular (alerts, metrics) are for operators and admins.
  EXPECT_FALSE(Delivers(alice, {}, SessionEvent("", "", "alert.triggered")));
  EXPECT_TRUE(Delivers(User("root", "admin"), {}, SessionEvent("", "", "alert.triggered")));
  EXPECT_TRUE(Delivers(User("op", "operator"), {}, SessionEvent("bob", "s2", "session.created")));
}

TEST(EventFilter, FiltersNarrowBySessionUserTeamAndType) {
  const auto admin = User("root", "admin");
  EventFilter f;
  f.session_ids = {"s1", "s3"};
  EXPECT_TRUE(Delivers(admin, f, SessionEvent("bob", "s1", "session.started")));
  EXPECT_FALSE(Delivers(admin, f, SessionEvent("bob", "s2", "session.started")));

  EventFilter by_user;
  by_user.user_id = "bob";
  EXPECT_TRUE(Delivers(admin, by_user, SessionEvent("bob", "s2", "session.started")));
  EXPECT_FALSE(Delivers(admin, by_user, SessionEvent("carol", "s4", "session.started")));

  EventFilter by_team;
  by_team.team_id = "t1";
  auto in_team = SessionEvent("bob", "s2", "session.started");
  in_team.team_id = "t1";
  EXPECT_TRUE(Delivers(admin, by_team, in_team));
  EXPECT_FALSE(Delivers(admin, by_team, SessionEvent("bob", "s2", "session.started")));

  EventFilter by_type;
  by_type.event_types = {"session.hibernated", "alert.*"};
  EXPECT_TRUE(Delivers(admin, by_type, SessionEvent("bob", "s2", "session.hibernated")));
  EXPECT_TRUE(Delivers(admin, by_type, SessionEvent("", "", "alert.resolved")));
  EXPECT_FALSE(Delivers(admin, by_type, SessionEvent("bob", "s2", "session.started")));
}

TEST(EventFilter, ParsesAndRejectsWithClearMessages) {
  const auto alice = User("alice");
  auto ok = ParseEventFilter(
      nlohmann::json::parse(R"({"sessionIds":["a","b"],"eventTypes":["session.created"]})"), alice);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->session_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ok->event_types, (std::vector<std::string>{"session.created"}));
  EXPECT_TRUE(ParseEventFilter(nlohmann::json(), alice));

  auto wrong_type = ParseEventFilter(nlohmann::json::parse(R"({"sessionIds":"a"})"), alice);
  ASSERT_FALSE(wrong_type);
  EXPECT_NE(wrong_type.error().message.find("sessionIds"), std::string::npos);

  auto other_user = ParseEventFilter(nlohmann::json::parse(R"({"userId":"bob"})"), alice);
  ASSERT_FALSE(other_user);
  EXPECT_EQ(other_user.error().code, Errc::kPermissionDenied);
  EXPECT_TRUE(ParseEventFilter(nlohmann::json::parse(R"({"userId":"alice"})"), alice));
  EXPECT_TRUE(ParseEventFilter(nlohmann::json::parse(R"({"userId":"bob"})"), User("r", "admin")));

  nlohmann::json big = {{"sessionIds", std::vector<std::string>(201, "x")}};
  EXPECT_FALSE(ParseEventFilter(big, alice));
}

}  // namespace
}  // namespace sp::realtime
