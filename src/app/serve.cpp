#include "app/serve.hpp"

#include <boost/asio/signal_set.hpp>

#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include "app/openapi.hpp"
#include "areas/apikeys/api_key_service.hpp"
#include "areas/auth/auth_service.hpp"
#include "areas/auth/setup_service.hpp"
#include "areas/groups/group_service.hpp"
#include "areas/register_all.hpp"
#include "areas/system/system_routes.hpp"
#include "areas/users/user_service.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"
#include "net/http_server.hpp"

namespace sp::app {
namespace {

// Until the sessions area exists nothing consumes resources.
class NoSessionsUsage final : public users::UsageSource {
 public:
  quotas::QuotaLimits UserUsage(db::Conn&, const std::string&) override { return {}; }
};

std::string DefaultWebDir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "web";
  return (exe.parent_path().parent_path() / "share" / "streamspace" / "web").string();
}

int StartupFailure(const std::string& what) {
  spdlog::critical("startup failed error={}", what);
  std::cerr << "streamspace: " << what << "\n";
  return 1;
}

}  // namespace

int Serve(const config::ServeConfig& config) {
  const auto started = std::chrono::steady_clock::now();
  InitCrypto();
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return StartupFailure("cannot create data directory " + config.data_dir + ": " + ec.message());

  auto db = db::Database::Open({config.database_url, static_cast<size_t>(config.db_pool_size)});
  if (!db) return StartupFailure(db.error().message);
  spdlog::info("database ready database={}", (*db)->description());

  SystemClock clock;
  users::UserRepository user_repo;
  groups::GroupRepository group_repo;
  apikeys::ApiKeyRepository key_repo;
  authn::AuthSessionRepository auth_repo;
  NoSessionsUsage usage;

  authn::SetupService setup(**db, user_repo, clock);
  if (auto st = setup.Bootstrap(config.admin_password); !st) return StartupFailure(st.error().message);
  auto secret = authn::AuthService::ResolveJwtSecret(**db, auth_repo, clock, config.jwt_secret);
  if (!secret) return StartupFailure(secret.error().message);

  users::UserService user_service(**db, user_repo, clock, usage);
  groups::GroupService group_service(**db, group_repo, user_repo, clock);
  apikeys::ApiKeyService key_service(**db, key_repo, clock);
  authn::AuthService auth_service(**db, user_repo, auth_repo, key_service, clock, *secret, {});

  const std::string yaml = OpenApiYaml();
  auto json = YamlToJson(yaml);
  if (!json) return StartupFailure(json.error().message);

  http::Router router;
  net::WorkerPool workers(static_cast<size_t>(config.worker_threads));
  http::Pipeline pipeline(router, auth_service, clock,
                          {config.rate_limit_per_second, config.rate_limit_burst});
  areas::RegisterAll(router, {key_service, auth_service, setup, group_service, user_service});
  const std::string web_dir = config.web_dir.empty() ? DefaultWebDir() : config.web_dir;
  system::RegisterRoutes(
      router, **db,
      {SP_VERSION, __DATE__ " " __TIME__,
       (*db)->dialect() == db::Dialect::kSqlite ? "sqlite" : "postgresql",
       [&pipeline] { return pipeline.RequestCount(); }, started},
      {yaml, json->dump(), (std::filesystem::path(web_dir) / "swagger-ui").string()});

  net::asio::io_context io(config.io_threads);
  net::HttpServer server(io, pipeline, workers,
                         {config.max_body_bytes, std::chrono::seconds(60)});
  auto endpoint = server.Listen(config.listen_host, config.listen_port);
  if (!endpoint) return StartupFailure(endpoint.error().message);
  server.Start();
  // Tests and scripts wait for this line to learn the port (with --listen HOST:0).
  spdlog::info("listening address={}:{} ready_ms={}", endpoint->address().to_string(),
               endpoint->port(),
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());

  net::asio::signal_set signals(io, SIGINT, SIGTERM);
  net::asio::steady_timer deadline(io);
  signals.async_wait([&](const boost::system::error_code& error, int signo) {
    if (error) return;
    spdlog::info("shutting down signal={}", signo);
    server.Stop();
    // Busy connections finish their request; after 10 s the rest is cut.
    deadline.expires_after(std::chrono::seconds(10));
    deadline.async_wait([&](const boost::system::error_code&) { io.stop(); });
    auto poll = std::make_shared<net::asio::steady_timer>(io);
    auto check = std::make_shared<std::function<void()>>();
    *check = [&, poll, check] {
      if (server.OpenConnections() == 0) {
        io.stop();
        return;
      }
      poll->expires_after(std::chrono::milliseconds(20));
      poll->async_wait([check](const boost::system::error_code&) { (*check)(); });
    };
    (*check)();
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < config.io_threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  workers.Stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace sp::app
