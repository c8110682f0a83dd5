#include "app/serve.hpp"

#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include <boost/asio/signal_set.hpp>

#include "agent/agent_runner.hpp"
#include "agent/platform/local_platform.hpp"
#include "app/openapi.hpp"
#include "areas/agents/agent_service.hpp"
#include "areas/apikeys/api_key_service.hpp"
#include "areas/auth/auth_service.hpp"
#include "areas/auth/setup_service.hpp"
#include "areas/groups/group_service.hpp"
#include "areas/register_all.hpp"
#include "areas/session_events/session_event_service.hpp"
#include "areas/sessions/session_service.hpp"
#include "areas/system/system_routes.hpp"
#include "areas/templates/template_service.hpp"
#include "areas/users/user_service.hpp"
#include "areas/web/web_app.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"
#include "net/http_server.hpp"
#include "proxy/session_proxy.hpp"
#include "realtime/agent_alert_feed.hpp"
#include "realtime/agent_hub.hpp"
#include "realtime/event_hub.hpp"
#include "realtime/session_feed.hpp"

namespace sp::app {
namespace {

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

// Runs `job` on the worker pool every `period` until `stop` is set.
net::asio::awaitable<void> Every(std::chrono::milliseconds period, net::WorkerPool& workers,
                                 const std::atomic<bool>& stop, const std::function<void()>& job) {
  net::asio::steady_timer timer(co_await net::asio::this_coro::executor);
  while (!stop) {
    timer.expires_after(period);
    boost::system::error_code ec;
    co_await timer.async_wait(net::asio::redirect_error(net::asio::use_awaitable, ec));
    if (stop) break;
    co_await workers.Run([&job] {
      try {
        job();
      } catch (const std::exception& e) {
        spdlog::error("background job failed error={}", e.what());
      }
      return 0;
    });
  }
}

// The address the built-in agent dials: the listener, on loopback when it listens on all.
std::string SelfUrl(const net::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string host;
  if (address.is_unspecified()) {
    host = address.is_v6() ? "[::1]" : "127.0.0.1";
  } else {
    host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  }
  return "http://" + host + ":" + std::to_string(endpoint.port());
}

}  // namespace

int Serve(const config::ServeConfig& config) {
  const auto started = std::chrono::steady_clock::now();
  InitCrypto();
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return StartupFailure("cannot create data directory " + config.data_dir + ": " + ec.message());
  }

  auto db = db::Database::Open({config.database_url, static_cast<size_t>(config.db_pool_size)});
  if (!db) return StartupFailure(db.error().message);
  spdlog::info("database ready database={}", (*db)->description());

  SystemClock clock;
  users::UserRepository user_repo;
  groups::GroupRepository group_repo;
  apikeys::ApiKeyRepository key_repo;
  authn::AuthSessionRepository auth_repo;
  templates::TemplateRepository template_repo;
  session_events::SessionEventRepository event_repo;
  agents::AgentRepository agent_repo;
  sessions::SessionRepository session_repo;

  authn::SetupService setup(**db, user_repo, clock);
  if (auto st = setup.Bootstrap(config.admin_password); !st) {
    return StartupFailure(st.error().message);
  }
  auto secret = authn::AuthService::ResolveJwtSecret(**db, auth_repo, clock, config.jwt_secret);
  if (!secret) return StartupFailure(secret.error().message);
  auth::JwtCodec tokens(*secret, clock);

  templates::TemplateService template_service(**db, template_repo, clock);
  if (auto st = template_service.SeedBuiltins(); !st) return StartupFailure(st.error().message);
  session_events::SessionEventService event_service(**db, event_repo, clock);
  agents::AgentService agent_service(**db, agent_repo, clock,
                                     {std::chrono::seconds(config.agent_heartbeat_interval_s)});
  sessions::SessionService session_service(**db, session_repo, template_service, user_repo,
                                           agent_service, event_service, tokens, clock,
                                           {std::chrono::seconds(config.connect_token_ttl_s)});
  agent_service.SetObserver(&session_service);
  users::UserService user_service(**db, user_repo, clock, session_service);
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
  areas::RegisterAll(router, {agent_service, key_service, auth_service, setup, group_service,
                              event_service, session_service, template_service, user_service});
  const std::string web_dir = config.web_dir.empty() ? DefaultWebDir() : config.web_dir;
  system::RegisterRoutes(
      router, **db,
      {SP_VERSION, __DATE__ " " __TIME__,
       (*db)->dialect() == db::Dialect::kSqlite ? "sqlite" : "postgresql",
       [&pipeline] { return pipeline.RequestCount(); }, started},
      {yaml, json->dump(), (std::filesystem::path(web_dir) / "swagger-ui").string()});
  const web::WebApp web_app((std::filesystem::path(web_dir) / "app").string());
  pipeline.SetFallback([&web_app](http::Request& r) { return web_app.Serve(r); });

  // WebSocket endpoints: agents' control links and tunnels, viewers.
  realtime::AgentHub hub(agent_service, workers);
  agent_service.SetLink(&hub);
  proxy::SessionProxy vnc(session_service, agent_service, workers);
  session_service.SetViewerCounter(&vnc);
  // The user event hub: session changes (and the other channels) pushed to browsers.
  realtime::EventHub events(auth_service, workers);
  realtime::SessionFeed session_feed(events, clock);
  session_service.SetWatcher(&session_feed);
  realtime::AgentAlertFeed agent_alerts(events, clock);
  agent_service.SetWatcher(&agent_alerts);
  net::WsRouter ws_routes;
  ws_routes.Add("/api/v1/ws/sessions", events.Endpoint(realtime::channel::kSessions));
  ws_routes.Add("/api/v1/ws/notifications", events.Endpoint(realtime::channel::kNotifications));
  ws_routes.Add("/api/v1/ws/metrics", events.Endpoint(realtime::channel::kMetrics));
  ws_routes.Add("/api/v1/ws/alerts", events.Endpoint(realtime::channel::kAlerts));
  ws_routes.Add("/api/v1/agents/connect", hub);
  ws_routes.Add("/api/v1/agents/tunnel", vnc.tunnel_endpoint());
  ws_routes.Add("/api/v1/sessions/:id/vnc", vnc.viewer_endpoint());
  // The HTTP proxy to web-app sessions takes every request under its prefix.
  ws_routes.AddTakeover("/api/v1/http/:id", vnc.http_endpoint());
  ws_routes.AddTakeover("/api/v1/http/:id/*path", vnc.http_endpoint());

  net::asio::io_context io(config.io_threads);
  net::HttpServer server(io, pipeline, workers, {config.max_body_bytes, std::chrono::seconds(60)},
                         &ws_routes);
  auto endpoint = server.Listen(config.listen_host, config.listen_port);
  if (!endpoint) return StartupFailure(endpoint.error().message);
  server.Start();

  // Background jobs.
  std::atomic<bool> stop_jobs{false};
  const auto beat = std::chrono::milliseconds(config.agent_heartbeat_interval_s * 1000);
  // Named: Every() keeps a reference to its job for as long as it runs.
  const std::function<void()> sweep = [&] { (void)agent_service.SweepHeartbeats(); };
  const std::function<void()> hibernate_idle = [&] { (void)session_service.HibernateIdle(); };
  const std::function<void()> reap = [&] { vnc.ReapExpired(); };
  net::asio::co_spawn(
      io, Every(std::max(beat / 2, std::chrono::milliseconds(500)), workers, stop_jobs, sweep),
      net::asio::detached);
  net::asio::co_spawn(
      io,
      Every(std::chrono::seconds(config.idle_check_interval_s), workers, stop_jobs, hibernate_idle),
      net::asio::detached);
  net::asio::co_spawn(io, Every(std::chrono::seconds(1), workers, stop_jobs, reap),
                      net::asio::detached);

  // The built-in local agent dials this very server, like any other agent would.
  std::unique_ptr<agent::LocalPlatform> local_platform;
  std::unique_ptr<agent::AgentRunner> local_agent;
  if (config.local_agent) {
    auto key = agent_service.PrepareBuiltinAgent({config.local_agent_max_sessions, "", "", ""});
    if (!key) return StartupFailure(key.error().message);
    const auto agent_dir = std::filesystem::path(config.data_dir) / "agent";
    try {
      local_platform = std::make_unique<agent::LocalPlatform>(
          agent::LocalPlatformOptions{(agent_dir / "local").string()});
      agent::AgentConfig ac;
      ac.control_plane = SelfUrl(*endpoint);
      ac.agent_id = std::string(agents::kBuiltinAgentId);
      ac.key = *key;
      ac.region = "local";
      ac.data_dir = agent_dir.string();
      ac.version = SP_VERSION;
      ac.max_sessions = config.local_agent_max_sessions;
      ac.heartbeat_interval = std::chrono::seconds(config.agent_heartbeat_interval_s);
      local_agent = std::make_unique<agent::AgentRunner>(io, ac, *local_platform, workers);
      local_agent->Start();
    } catch (const std::exception& e) {
      return StartupFailure(std::string("built-in agent: ") + e.what());
    }
  }

  // Tests and scripts wait for this line to learn the port (with --listen HOST:0).
  spdlog::info("listening address={}:{} ready_ms={}", endpoint->address().to_string(),
               endpoint->port(),
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());

  net::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int signo) {
    if (error) return;
    spdlog::info("shutting down signal={}", signo);
    stop_jobs = true;
    if (local_agent) local_agent->Stop();
    hub.CloseAll();
    events.CloseAll();
    server.Stop();
    // Busy connections finish their request; after 10 s the rest is cut.
    net::asio::co_spawn(
        io,
        [&]() -> net::asio::awaitable<void> {
          const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
          net::asio::steady_timer poll(io);
          while (server.OpenConnections() > 0 && std::chrono::steady_clock::now() < give_up) {
            poll.expires_after(std::chrono::milliseconds(20));
            boost::system::error_code ignored;
            co_await poll.async_wait(net::asio::redirect_error(net::asio::use_awaitable, ignored));
          }
          io.stop();
        },
        net::asio::detached);
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
