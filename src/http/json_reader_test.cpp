#include "http/json_reader.hpp"

#include <gtest/gtest.h>

namespace sp::http {
namespace {

TEST(JsonReader, ReadsValidFields) {
  JsonReader r(R"({"name":" alice ","count":3,"on":true,"tags":["abc","def"]})");
  EXPECT_EQ(r.String("name", {.required = true, .min = 3, .max = 10}), "alice");
  EXPECT_EQ(r.Int("count", {.min = 0, .max = 5}), 3);
  EXPECT_EQ(r.Bool("on"), true);
  EXPECT_EQ(r.StringList("tags", {.min = 3, .max = 3})->size(), 2u);
  EXPECT_TRUE(r.Finish());
}

TEST(JsonReader, MalformedJsonIsA400) {
  JsonReader r("{not json");
  EXPECT_FALSE(r.String("name"));
  auto st = r.Finish();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(st.error().message, "request body is not valid JSON");
}

TEST(JsonReader, NonObjectBodyIsRejected) {
  EXPECT_FALSE(JsonReader("[1,2]").Finish());
  EXPECT_FALSE(JsonReader("\"x\"").Finish());
  EXPECT_TRUE(JsonReader("").Finish());
}

TEST(JsonReader, NamesTheFirstBadField) {
  JsonReader r(R"({"name":5,"role":"boss"})");
  r.String("name");
  r.String("role", {.one_of = {"user", "admin"}});
  auto st = r.Finish();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message, "field 'name': must be a string");
}

TEST(JsonReader, EnumAndLengthAndRangeMessages) {
  {
    JsonReader r(R"({"role":"boss"})");
    r.String("role", {.one_of = {"user", "admin"}});
    EXPECT_EQ(r.Finish().error().message, "field 'role': must be one of: user, admin");
  }
  {
    JsonReader r(R"({"name":"ab"})");
    r.String("name", {.min = 3, .max = 100});
    EXPECT_EQ(r.Finish().error().message, "field 'name': must be 3 to 100 characters");
  }
  {
    JsonReader r(R"({"n":1.5})");
    r.Int("n");
    EXPECT_EQ(r.Finish().error().message, "field 'n': must be an integer");
  }
  {
    JsonReader r(R"({"n":18446744073709551615})");
    r.Int("n");
    EXPECT_EQ(r.Finish().error().message, "field 'n': is out of range");
  }
  {
    JsonReader r(R"({})");
    r.String("email", {.required = true});
    EXPECT_EQ(r.Finish().error().message, "field 'email': is required");
  }
}

TEST(JsonReader, CountsCharactersNotBytes) {
  JsonReader r(R"({"name":"äöü"})");
  EXPECT_EQ(r.String("name", {.min = 3, .max = 3}), "äöü");
  EXPECT_TRUE(r.Finish());
}

TEST(Email, Validation) {
  EXPECT_TRUE(IsValidEmail("a@b.co"));
  EXPECT_FALSE(IsValidEmail("a@b"));
  EXPECT_FALSE(IsValidEmail("@b.co"));
  EXPECT_FALSE(IsValidEmail("a b@c.de"));
  EXPECT_FALSE(IsValidEmail("a@@c.de"));
}

}  // namespace
}  // namespace sp::http
