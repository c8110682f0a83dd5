#include "http/pipeline.hpp"

#include <gtest/gtest.h>

namespace sp::http {
namespace {

class FakeAuthenticator final : public Authenticator {
 public:
  Result<auth::Principal> Authenticate(std::string_view credential, std::string_view) override {
    if (credential == "user-token") return auth::Principal{"u1", "alice", "user"};
    if (credential == "admin-token") return auth::Principal{"u0", "root", "admin"};
    if (credential == "read-key") {
      auth::Principal p{"u1", "alice", "user"};
      p.kind = auth::CredentialKind::kApiKey;
      p.scopes = {"users:read"};
      return p;
    }
    return Fail(Errc::kUnauthenticated, "invalid token");
  }
};

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() : pipeline_(router_, auth_, clock_, {0, 0}) {
    RouteGroup g(router_, "/api/v1", "users");
    g.Get(
        "/public", [](Request&) { return SuccessResponse("hi"); }, Access::kPublic);
    g.Get("/mine", [](Request& r) { return SuccessResponse(r.Caller().username); });
    g.Post("/mine", [](Request&) { return SuccessResponse("wrote"); });
    g.Get(
        "/admin", [](Request&) { return SuccessResponse("ok"); }, Access::kAdmin);
    g.Get("/boom", [](Request&) -> Response { throw std::runtime_error("secret detail"); });
  }

  Response Call(Method m, std::string path, std::string token = {}) {
    Request req;
    req.method = m;
    req.path = std::move(path);
    req.client_ip = "127.0.0.1";
    if (!token.empty()) req.headers.emplace_back("authorization", "Bearer " + token);
    return pipeline_.Handle(req);
  }

  SystemClock clock_;
  Router router_;
  FakeAuthenticator auth_;
  Pipeline pipeline_;
};

TEST_F(PipelineTest, PublicRouteNeedsNoToken) {
  EXPECT_EQ(Call(Method::kGet, "/api/v1/public").status, 200);
}

TEST_F(PipelineTest, MissingOrBadTokenIs401) {
  auto r = Call(Method::kGet, "/api/v1/mine");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("\"error\""), std::string::npos);
  EXPECT_EQ(Call(Method::kGet, "/api/v1/mine", "forged").status, 401);
}

TEST_F(PipelineTest, RoleIsChecked) {
  EXPECT_EQ(Call(Method::kGet, "/api/v1/admin", "user-token").status, 403);
  EXPECT_EQ(Call(Method::kGet, "/api/v1/admin", "admin-token").status, 200);
}

TEST_F(PipelineTest, ApiKeyScopesLimitMethods) {
  EXPECT_EQ(Call(Method::kGet, "/api/v1/mine", "read-key").status, 200);
  EXPECT_EQ(Call(Method::kPost, "/api/v1/mine", "read-key").status, 403);
}

TEST_F(PipelineTest, ExceptionsBecomeGeneric500) {
  auto r = Call(Method::kGet, "/api/v1/boom", "user-token");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret detail"), std::string::npos);
}

TEST_F(PipelineTest, EveryResponseHasSecurityHeadersAndRequestId) {
  auto r = Call(Method::kGet, "/api/v1/nowhere");
  EXPECT_EQ(r.status, 404);
  bool nosniff = false, request_id = false;
  for (const auto& [k, v] : r.headers) {
    nosniff = nosniff || (k == "X-Content-Type-Options" && v == "nosniff");
    request_id = request_id || k == "X-Request-ID";
  }
  EXPECT_TRUE(nosniff);
  EXPECT_TRUE(request_id);
}

TEST(ScopeAllows, Rules) {
  Route users{Method::kGet, "/u", Access::kUser, "users", nullptr};
  Route admin{Method::kGet, "/a", Access::kAdmin, "users", nullptr};
  EXPECT_TRUE(ScopeAllows({}, users, Method::kPost));
  EXPECT_TRUE(ScopeAllows({"users:write"}, users, Method::kGet));
  EXPECT_FALSE(ScopeAllows({"groups:write"}, users, Method::kGet));
  EXPECT_FALSE(ScopeAllows({"users:write"}, admin, Method::kGet));
  EXPECT_TRUE(ScopeAllows({"admin:all"}, admin, Method::kPost));
}

}  // namespace
}  // namespace sp::http
