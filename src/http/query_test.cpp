#include "http/query.hpp"

#include <gtest/gtest.h>

namespace sp::http {
namespace {

TEST(Query, ParsesAndDecodes) {
  auto q = QueryParams::Parse("role=admin&name=J%C3%BCrgen+K&empty=&flag");
  EXPECT_EQ(q.Get("role"), "admin");
  EXPECT_EQ(q.Get("name"), "J\xC3\xBCrgen K");
  EXPECT_EQ(q.Get("empty"), "");
  EXPECT_EQ(q.Get("flag"), "");
  EXPECT_FALSE(q.Get("missing"));
}

TEST(Query, SkipsMalformedPairsButKeepsOthers) {
  auto q = QueryParams::Parse("a=%zz&b=2&%=3&c=%4");
  EXPECT_FALSE(q.Get("a"));
  EXPECT_EQ(q.Get("b"), "2");
  EXPECT_FALSE(q.Get("c"));
}

TEST(PercentDecode, PathKeepsPlus) {
  EXPECT_EQ(PercentDecode("/a+b%20c", false), "/a+b c");
  EXPECT_FALSE(PercentDecode("/a%2", false));
  EXPECT_FALSE(PercentDecode("%", false));
}

}  // namespace
}  // namespace sp::http
