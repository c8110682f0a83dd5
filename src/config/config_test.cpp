#include "config/config.hpp"

#include <fstream>

#include <gtest/gtest.h>

namespace sp::config {
namespace {

TEST(Config, DefaultsUseSqliteInTheDataDir) {
  auto c = ResolveServeConfig({});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->listen_host, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 8080);
  EXPECT_EQ(c->database_url, "sqlite://./data/streamspace.db");
}

TEST(Config, FlagsOverrideFileWhichOverridesDefaults) {
  const std::string path = "/tmp/sp-config-test.yaml";
  {
    std::ofstream f(path);
    f << "listen: 0.0.0.0:9000\ndata_dir: /srv/ss\nlog_level: debug\n";
  }
  ServeOverrides o;
  o.config_file = path;
  o.listen = "127.0.0.1:9100";
  auto c = ResolveServeConfig(o);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->listen_port, 9100);
  EXPECT_EQ(c->data_dir, "/srv/ss");
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->database_url, "sqlite:///srv/ss/streamspace.db");
  std::remove(path.c_str());
}

TEST(Config, BadValuesAreClearErrors) {
  ServeOverrides o;
  o.listen = "127.0.0.1:99999";
  EXPECT_FALSE(ResolveServeConfig(o));
  o.listen.reset();
  o.config_file = "/nonexistent/streamspace.yaml";
  auto c = ResolveServeConfig(o);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("/nonexistent/streamspace.yaml"), std::string::npos);
}

TEST(Config, ParseListenForms) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(ParseListen("[::1]:8081", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 8081);
  ASSERT_TRUE(ParseListen(":0", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  EXPECT_FALSE(ParseListen("host:", host, port));
}

}  // namespace
}  // namespace sp::config
