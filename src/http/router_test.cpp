#include "http/router.hpp"

#include <gtest/gtest.h>

namespace sp::http {
namespace {

Handler Named(std::string name) {
  return [name](Request&) { return TextResponse(200, "text/plain", name); };
}

std::string Call(const Router& r, Method m, std::string_view path) {
  auto match = r.Find(m, path);
  if (match.route == nullptr) return match.path_known ? "405:" + match.allow : "404";
  Request req;
  return match.route->handler(req).body;
}

TEST(Router, StaticSegmentsWinOverParametersInAnyOrder) {
  Router r;
  RouteGroup g(r, "/api/v1", "users");
  g.Get("/users/:id", Named("by-id"));
  g.Get("/users/me", Named("me"));
  EXPECT_EQ(Call(r, Method::kGet, "/api/v1/users/me"), "me");
  EXPECT_EQ(Call(r, Method::kGet, "/api/v1/users/42"), "by-id");
}

TEST(Router, ExtractsParameters) {
  Router r;
  r.Add({Method::kDelete, "/groups/:id/members/:userId", Access::kUser, "groups", Named("x")});
  auto m = r.Find(Method::kDelete, "/groups/g1/members/u2");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("id"), "g1");
  EXPECT_EQ(m.params.at("userId"), "u2");
}

TEST(Router, BacktracksFromAParameterBranchToAStaticOne) {
  Router r;
  r.Add({Method::kGet, "/a/:x/c", Access::kUser, "", Named("param")});
  r.Add({Method::kGet, "/a/b/d", Access::kUser, "", Named("static")});
  EXPECT_EQ(Call(r, Method::kGet, "/a/b/c"), "param");
  EXPECT_EQ(Call(r, Method::kGet, "/a/b/d"), "static");
}

TEST(Router, ReportsMethodNotAllowedWithAllowList) {
  Router r;
  r.Add({Method::kGet, "/x", Access::kUser, "", Named("get")});
  r.Add({Method::kPost, "/x", Access::kUser, "", Named("post")});
  EXPECT_EQ(Call(r, Method::kDelete, "/x"), "405:GET, POST");
  EXPECT_EQ(Call(r, Method::kGet, "/y"), "404");
}

TEST(Router, HeadUsesGetRoute) {
  Router r;
  r.Add({Method::kGet, "/x", Access::kUser, "", Named("get")});
  EXPECT_EQ(Call(r, Method::kHead, "/x"), "get");
}

TEST(Router, CatchAllTakesTheRestOfThePath) {
  Router r;
  r.Add({Method::kGet, "/http/:sid/*path", Access::kUser, "", Named("proxy")});
  auto m = r.Find(Method::kGet, "/http/s1/a/b/c.js");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("path"), "a/b/c.js");
}

TEST(Router, DuplicateRouteIsAProgrammingError) {
  Router r;
  r.Add({Method::kGet, "/x/:id", Access::kUser, "", Named("a")});
  EXPECT_THROW(r.Add({Method::kGet, "/x/:id", Access::kUser, "", Named("b")}), std::logic_error);
  EXPECT_THROW(r.Add({Method::kPost, "/x/:other", Access::kUser, "", Named("c")}),
               std::logic_error);
}

}  // namespace
}  // namespace sp::http
