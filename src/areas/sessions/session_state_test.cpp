#include <gtest/gtest.h>

#include "areas/sessions/session.hpp"

namespace sp::sessions {
namespace {

TEST(SessionState, LegalPathsThroughTheLifecycle) {
  EXPECT_TRUE(CheckTransition(state::kPending, state::kStarting));
  EXPECT_TRUE(CheckTransition(state::kStarting, state::kRunning));
  EXPECT_TRUE(CheckTransition(state::kRunning, state::kHibernating));
  EXPECT_TRUE(CheckTransition(state::kHibernating, state::kHibernated));
  EXPECT_TRUE(CheckTransition(state::kHibernated, state::kWaking));
  EXPECT_TRUE(CheckTransition(state::kWaking, state::kRunning));
  EXPECT_TRUE(CheckTransition(state::kRunning, state::kStopping));
  EXPECT_TRUE(CheckTransition(state::kStopping, state::kStopped));
}

TEST(SessionState, AnythingButStoppedMayFail) {
  for (auto s : {state::kPending, state::kStarting, state::kRunning, state::kHibernating,
                 state::kHibernated, state::kWaking, state::kStopping}) {
    EXPECT_TRUE(CheckTransition(s, state::kFailed)) << s;
  }
  EXPECT_FALSE(CheckTransition(state::kStopped, state::kFailed));
}

TEST(SessionState, IllegalMovesSayWhy) {
  auto st = CheckTransition(state::kHibernated, state::kHibernating);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kFailedPrecondition);
  EXPECT_EQ(st.error().message, "session is already hibernated");
  EXPECT_EQ(CheckTransition(state::kPending, state::kHibernating).error().message,
            "only a running session can be hibernated; this one is pending");
  EXPECT_EQ(CheckTransition(state::kRunning, state::kWaking).error().message,
            "session is already running");
  EXPECT_FALSE(CheckTransition(state::kStopped, state::kWaking));
  EXPECT_FALSE(CheckTransition(state::kStopped, state::kStopping));
}

}  // namespace
}  // namespace sp::sessions
