#include "http/cookie_header.hpp"

#include <gtest/gtest.h>

namespace sp::http {
namespace {

TEST(CookieHeader, ValueIsFoundByExactName) {
  const std::string_view header = "ss_viewer=1; ss_view=abc.def; other=x";
  EXPECT_EQ(CookieValue(header, "ss_view"), "abc.def");
  EXPECT_EQ(CookieValue(header, "ss_viewer"), "1");
  EXPECT_EQ(CookieValue(header, "other"), "x");
  EXPECT_EQ(CookieValue(header, "ss"), "");
  EXPECT_EQ(CookieValue(header, "missing"), "");
  EXPECT_EQ(CookieValue("", "ss_view"), "");
  EXPECT_EQ(CookieValue("ss_view=", "ss_view"), "");
  EXPECT_EQ(CookieValue(";;  a=1;", "a"), "1");
}

TEST(CookieHeader, FirstOfRepeatedNamesWins) { EXPECT_EQ(CookieValue("a=1; a=2", "a"), "1"); }

TEST(CookieHeader, WithoutDropsOnlyThatName) {
  EXPECT_EQ(CookieHeaderWithout("ss_view=t; app=1; ss_viewer=2; ss_view=u", "ss_view"),
            "app=1; ss_viewer=2");
  EXPECT_EQ(CookieHeaderWithout("ss_view=t", "ss_view"), "");
  EXPECT_EQ(CookieHeaderWithout("", "ss_view"), "");
  EXPECT_EQ(CookieHeaderWithout("  a=1;;b=2 ", "ss_view"), "a=1; b=2 ");
}

}  // namespace
}  // namespace sp::http
