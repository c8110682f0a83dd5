#include "http/static_file.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <stdlib.h>

namespace sp::http {
namespace {

std::string HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

class StaticFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sp-static-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    Write("index.html", "<h1>one</h1>");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(root_ + "/" + rel, std::ios::binary | std::ios::trunc) << text;
  }

  std::string root_;
};

TEST_F(StaticFileTest, ServesTheFileWithItsTypeCachePolicyAndETag) {
  auto r = StaticFile(root_, "index.html", "no-cache");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "<h1>one</h1>");
  EXPECT_EQ(r->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(*r, "Cache-Control"), "no-cache");
  EXPECT_TRUE(HeaderOf(*r, "ETag").starts_with("W/\""));
  EXPECT_EQ(HeaderOf(*r, "ETag"), FileETag(root_ + "/index.html"));
}

TEST_F(StaticFileTest, AMatchingIfNoneMatchGets304WithoutABody) {
  const std::string etag = FileETag(root_ + "/index.html");
  for (const std::string& header : {etag, etag.substr(2), "\"other\", " + etag, std::string("*")}) {
    auto r = StaticFile(root_, "index.html", "no-cache", header);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 304) << header;
    EXPECT_EQ(r->body, "") << header;
    EXPECT_EQ(r->content_type, "") << header;
    EXPECT_EQ(HeaderOf(*r, "ETag"), etag) << header;
    EXPECT_EQ(HeaderOf(*r, "Cache-Control"), "no-cache") << header;
  }
}

TEST_F(StaticFileTest, AChangedFileGetsANewETagAndItsNewContent) {
  const std::string old_etag = FileETag(root_ + "/index.html");
  Write("index.html", "<h1>two, longer</h1>");
  // Set the time explicitly: two writes can fall within the file system's time resolution.
  std::filesystem::last_write_time(
      root_ + "/index.html",
      std::filesystem::file_time_type::clock::now() + std::chrono::seconds(5));
  auto r = StaticFile(root_, "index.html", "no-cache", old_etag);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "<h1>two, longer</h1>");
  EXPECT_NE(HeaderOf(*r, "ETag"), old_etag);
}

TEST_F(StaticFileTest, UnsafeOrMissingPathsAreNotServed) {
  EXPECT_FALSE(StaticFile(root_, "../etc/passwd", "no-cache"));
  EXPECT_FALSE(StaticFile(root_, ".hidden", "no-cache"));
  EXPECT_FALSE(StaticFile(root_, "missing.js", "no-cache"));
  EXPECT_FALSE(StaticFile(root_, "", "no-cache"));
  EXPECT_EQ(FileETag(root_ + "/missing.js"), "");
}

TEST(ETagMatches, ComparesWeaklyAndReadsLists) {
  EXPECT_TRUE(ETagMatches("W/\"a-1\"", "W/\"a-1\""));
  EXPECT_TRUE(ETagMatches("\"a-1\"", "W/\"a-1\""));
  EXPECT_TRUE(ETagMatches(" \"x\" ,W/\"a-1\" ", "W/\"a-1\""));
  EXPECT_TRUE(ETagMatches("*", "W/\"a-1\""));
  EXPECT_FALSE(ETagMatches("\"a-2\"", "W/\"a-1\""));
  EXPECT_FALSE(ETagMatches("", "W/\"a-1\""));
  EXPECT_FALSE(ETagMatches(",,", "W/\"a-1\""));
  EXPECT_FALSE(ETagMatches("*", ""));
}

}  // namespace
}  // namespace sp::http
