#include "agent/command_journal.hpp"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

namespace sp::agent {
namespace {

TEST(CommandJournal, RemembersOutcomesAcrossRestarts) {
  const std::string path = "/tmp/sp-journal-test.jsonl";
  std::remove(path.c_str());
  {
    CommandJournal j(path);
    EXPECT_TRUE(j.Begin("c1"));
    EXPECT_FALSE(j.Begin("c1"));  // already running
    j.Finish("c1", {true, {{"x", 1}}, ""});
    EXPECT_FALSE(j.Begin("c1"));  // done
  }
  {
    std::ofstream torn(path, std::ios::app);
    torn << "{\"id\":\"c2\",\"ok\":";  // a crash mid-write
  }
  CommandJournal again(path);
  auto o = again.Find("c1");
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->ok);
  EXPECT_EQ(o->result["x"], 1);
  EXPECT_FALSE(again.Find("c2"));
  EXPECT_TRUE(again.Begin("c2"));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sp::agent
