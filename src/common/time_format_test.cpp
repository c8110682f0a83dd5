#include "common/time_format.hpp"

#include <gtest/gtest.h>

namespace sp {
namespace {

TEST(TimeFormat, FormatsUtcWithSecondPrecision) {
  const TimePoint t = TimePoint(std::chrono::seconds(1'700'000'000));
  EXPECT_EQ(FormatTime(t), "2023-11-14T22:13:20Z");
}

TEST(TimeFormat, ParseRoundTripsAndHonoursOffsets) {
  const TimePoint t = TimePoint(std::chrono::seconds(1'700'000'000));
  EXPECT_EQ(ParseTime("2023-11-14T22:13:20Z"), t);
  EXPECT_EQ(ParseTime("2023-11-14T23:13:20+01:00"), t);
  EXPECT_EQ(ParseTime("2023-11-14T22:13:20.123Z"), t);
}

TEST(TimeFormat, ParseRejectsMalformedText) {
  EXPECT_FALSE(ParseTime(""));
  EXPECT_FALSE(ParseTime("2023-13-14T22:13:20Z"));
  EXPECT_FALSE(ParseTime("2023-02-30T22:13:20Z"));
  EXPECT_FALSE(ParseTime("2023-11-14T22:13:20"));
  EXPECT_FALSE(ParseTime("2023-11-14T22:13:20Zjunk"));
  EXPECT_FALSE(ParseTime("2999-01-01T00:00:00Z"));  // beyond what the clock can count
}

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(ParseDuration("30d"), std::chrono::seconds(30 * 86400));
  EXPECT_EQ(ParseDuration("1y"), std::chrono::seconds(365 * 86400));
  EXPECT_EQ(ParseDuration("12h"), std::chrono::seconds(12 * 3600));
  EXPECT_EQ(ParseDuration("90s"), std::chrono::seconds(90));
}

TEST(Duration, RejectsBadInput) {
  EXPECT_FALSE(ParseDuration("d"));
  EXPECT_FALSE(ParseDuration("0d"));
  EXPECT_FALSE(ParseDuration("-1d"));
  EXPECT_FALSE(ParseDuration("10x"));
  EXPECT_FALSE(ParseDuration("99999999999y"));
}

}  // namespace
}  // namespace sp
