#include "agent/agent_runner.hpp"

#include <deque>
#include <filesystem>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/websocket.hpp>

#include "common/log.hpp"
#include "net/ws_outbox.hpp"
#include "protocol/session_spec.hpp"

namespace sp::agent {

namespace asio = net::asio;
namespace beast = net::beast;
namespace websocket = beast::websocket;
using tcp = net::tcp;
using asio::awaitable;
using asio::use_awaitable;

Status ParseControlPlaneUrl(const std::string& url, std::string& host, std::string& port,
                            bool* tls) {
  constexpr std::string_view kHttp = "http://";
  constexpr std::string_view kHttps = "https://";
  const bool secure = url.rfind(kHttps, 0) == 0;
  if (!secure && url.rfind(kHttp, 0) != 0) {
    return Fail(
        Errc::kInvalidArgument,
        "control plane URL must be http://HOST:PORT or https://HOST:PORT, got '" + url + "'");
  }
  if (tls != nullptr) *tls = secure;
  std::string rest = url.substr(secure ? kHttps.size() : kHttp.size());
  if (const size_t slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  const size_t colon = rest.rfind(':');
  if (rest.empty()) return Fail(Errc::kInvalidArgument, "control plane URL has no host");
  if (colon == std::string::npos || rest.back() == ']') {
    host = rest;
    port = secure ? "443" : "80";
  } else {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (!host.empty() && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return Ok();
}

// One live connection to the control plane. Everything runs on the connection's strand.
struct AgentRunner::Link {
  explicit Link(net::ClientWsStream& ws)
      : outbox(std::make_shared<net::ClientWsOutbox>(ws, 4096)) {}
  std::shared_ptr<net::ClientWsOutbox> outbox;
  std::atomic<bool> closed{false};
  std::atomic<int> heartbeat_s{10};
  // Session commands run one after another, in arrival order.
  std::deque<protocol::Command> queue;
  std::unique_ptr<asio::steady_timer> wake;
};

AgentRunner::AgentRunner(asio::io_context& io, AgentConfig config, Platform& platform,
                         net::WorkerPool& workers)
    : io_(io),
      config_(std::move(config)),
      platform_(platform),
      workers_(workers),
      journal_(config_.data_dir.empty()
                   ? std::string()
                   : (std::filesystem::path(config_.data_dir) / "commands.jsonl").string()) {
  bool tls = false;
  if (auto st = ParseControlPlaneUrl(config_.control_plane, host_, port_, &tls); !st) {
    throw std::invalid_argument(st.error().message);
  }
  if (tls) {
    auto ctx = net::MakeClientTlsContext(config_.ca_file);
    if (!ctx) throw std::invalid_argument(ctx.error().message);
    tls_ = std::move(*ctx);
  }
}

AgentRunner::~AgentRunner() = default;

void AgentRunner::Start() { asio::co_spawn(asio::make_strand(io_), Run(), asio::detached); }

void AgentRunner::Stop() {
  stopping_ = true;
  std::lock_guard lock(mu_);
  if (current_) current_->outbox->Close(true);
}

awaitable<void> AgentRunner::Run() {
  auto backoff = std::chrono::milliseconds(250);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!stopping_) {
    const auto started = std::chrono::steady_clock::now();
    co_await Session();
    if (stopping_) break;
    // A connection that lived a while was healthy: retry soon after it drops.
    if (std::chrono::steady_clock::now() - started > std::chrono::seconds(10)) {
      backoff = std::chrono::milliseconds(250);
    }
    timer.expires_after(backoff);
    beast::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(10'000));
  }
}

awaitable<void> AgentRunner::Session() {
  auto executor = co_await asio::this_coro::executor;
  net::ClientWsStream ws(executor);
  beast::error_code ec = co_await ws.next_layer().Connect(host_, port_, tls_.get());
  if (ec) {
    spdlog::warn("agent cannot reach control plane url={} error={}", config_.control_plane,
                 ec.message());
    co_return;
  }
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  const std::string key = config_.key;
  ws.set_option(websocket::stream_base::decorator([key](websocket::request_type& req) {
    req.set(beast::http::field::authorization, "Bearer " + key);
    req.set(beast::http::field::user_agent, "streamspace-agent");
  }));
  ws.read_message_max(4 * 1024 * 1024);
  websocket::response_type res;
  co_await ws.async_handshake(res, host_ + ":" + port_,
                              "/api/v1/agents/connect?agent_id=" + config_.agent_id,
                              asio::redirect_error(use_awaitable, ec));
  if (ec) {
    spdlog::warn("agent connect refused agent_id={} status={} body={}", config_.agent_id,
                 res.result_int(), res.body());
    co_return;
  }
  // The control plane's idle timeout: it pings; we answer while reading.
  websocket::stream_base::timeout t{};
  t.handshake_timeout = std::chrono::seconds(30);
  t.idle_timeout = std::chrono::seconds(60);
  t.keep_alive_pings = true;
  ws.set_option(t);

  auto link = std::make_shared<Link>(ws);
  link->heartbeat_s = static_cast<int>(config_.heartbeat_interval.count());
  link->wake = std::make_unique<asio::steady_timer>(executor);
  {
    std::lock_guard lock(mu_);
    current_ = link;
  }
  connected_ = true;
  spdlog::info("agent connected to control plane agent_id={} url={}", config_.agent_id,
               config_.control_plane);

  bool writer_finished = false;
  asio::steady_timer writer_done(executor);
  writer_done.expires_at(asio::steady_timer::time_point::max());
  asio::co_spawn(executor, link->outbox->Run(), [&](const std::exception_ptr&) {
    writer_finished = true;
    link->closed = true;
    writer_done.cancel();
  });

  protocol::Capacity capacity{config_.max_sessions, "", "", ""};
  link->outbox->Push(protocol::RegisterMessage(config_.agent_id, platform_.Name(), config_.region,
                                               config_.version, capacity));
  auto listed = co_await workers_.Run([this] { return platform_.List(); });
  std::vector<protocol::SessionReport> reports;
  reports.reserve(listed.size());
  for (const auto& s : listed) reports.push_back({s.session_id, s.state, s.details});
  link->outbox->Push(protocol::SessionsReportMessage(reports));

  // Heartbeats and exited-session reports, once a second at most.
  bool ticker_finished = false;
  asio::steady_timer ticker_done(executor);
  ticker_done.expires_at(asio::steady_timer::time_point::max());
  asio::co_spawn(
      executor,
      [this, link, capacity]() -> awaitable<void> {
        asio::steady_timer tick(co_await asio::this_coro::executor);
        auto last_heartbeat = std::chrono::steady_clock::time_point{};
        while (!link->closed && !stopping_) {
          if (std::chrono::steady_clock::now() - last_heartbeat >=
              std::chrono::seconds(link->heartbeat_s.load())) {
            last_heartbeat = std::chrono::steady_clock::now();
            auto list = co_await workers_.Run([this] { return platform_.List(); });
            int64_t running = 0;
            for (const auto& s : list) running += s.state == "running" ? 1 : 0;
            link->outbox->Push(protocol::HeartbeatMessage(capacity, running, config_.draining));
          }
          auto exited = co_await workers_.Run([this] { return platform_.CollectExited(); });
          for (const auto& s : exited) {
            spdlog::info("session exited session_id={} state={}", s.session_id, s.state);
            link->outbox->Push(protocol::StatusMessage({s.session_id, s.state, s.details}));
          }
          tick.expires_after(std::chrono::milliseconds(500));
          beast::error_code wait_ec;
          co_await tick.async_wait(asio::redirect_error(use_awaitable, wait_ec));
        }
      },
      [&](const std::exception_ptr&) {
        ticker_finished = true;
        ticker_done.cancel();
      });

  // Session commands, one at a time.
  bool runner_finished = false;
  asio::steady_timer runner_done(executor);
  runner_done.expires_at(asio::steady_timer::time_point::max());
  asio::co_spawn(
      executor,
      [this, link]() -> awaitable<void> {
        while (!link->closed) {
          if (link->queue.empty()) {
            link->wake->expires_at(asio::steady_timer::time_point::max());
            beast::error_code wait_ec;
            co_await link->wake->async_wait(asio::redirect_error(use_awaitable, wait_ec));
            continue;
          }
          const protocol::Command cmd = std::move(link->queue.front());
          link->queue.pop_front();
          co_await Execute(link, cmd);
        }
      },
      [&](const std::exception_ptr&) {
        runner_finished = true;
        runner_done.cancel();
      });

  beast::flat_buffer buffer;
  while (!stopping_) {
    co_await ws.async_read(buffer, asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    auto parsed = protocol::ParseMessage(beast::buffers_to_string(buffer.data()));
    buffer.consume(buffer.size());
    if (!parsed) continue;
    const std::string type = (*parsed)["type"];
    if (type == protocol::msg::kRegistered) {
      const int interval = parsed->value("heartbeat_interval", 10);
      if (interval > 0) link->heartbeat_s = interval;
    } else if (type == protocol::msg::kCommand) {
      auto cmd = protocol::CommandFromJson(*parsed);
      if (!cmd) continue;
      if (cmd->action == protocol::action::kOpenTunnel) {
        protocol::Command tunnel_cmd = std::move(*cmd);
        asio::co_spawn(asio::make_strand(io_), Tunnel(link, std::move(tunnel_cmd)), asio::detached);
      } else {
        link->queue.push_back(std::move(*cmd));
        link->wake->cancel();
      }
    } else if (type == protocol::msg::kShutdown) {
      spdlog::info("control plane asked the agent to shut down");
      stopping_ = true;
      break;
    }
  }
  connected_ = false;
  link->closed = true;
  link->outbox->Close(true);
  link->wake->cancel();
  beast::error_code ignored;
  if (!writer_finished) {
    co_await writer_done.async_wait(asio::redirect_error(use_awaitable, ignored));
  }
  if (!ticker_finished) {
    co_await ticker_done.async_wait(asio::redirect_error(use_awaitable, ignored));
  }
  if (!runner_finished) {
    co_await runner_done.async_wait(asio::redirect_error(use_awaitable, ignored));
  }
  {
    std::lock_guard lock(mu_);
    if (current_ == link) current_.reset();
  }
  spdlog::warn("agent lost the control plane connection agent_id={} error={}", config_.agent_id,
               ec.message());
}

namespace {

void Report(net::ClientWsOutbox& outbox, const std::string& command_id, const CommandOutcome& o) {
  outbox.Push(o.ok ? protocol::CompleteMessage(command_id, o.result)
                   : protocol::FailedMessage(command_id, o.error));
}

}  // namespace

CommandOutcome AgentRunner::Apply(const protocol::Command& cmd) {
  using namespace protocol::action;  // NOLINT(google-build-using-namespace): a switch on names
  Status st = Ok();
  if (cmd.action == kStartSession || cmd.action == kWakeSession) {
    auto spec = protocol::SessionSpecFromJson(cmd.payload);
    if (!spec) return {false, {}, spec.error().message};
    st = cmd.action == kStartSession ? platform_.Start(*spec) : platform_.Wake(*spec);
  } else if (cmd.action == kHibernateSession) {
    st = platform_.Hibernate(cmd.session_id);
  } else if (cmd.action == kStopSession || cmd.action == kDeleteSession) {
    st = platform_.Delete(cmd.session_id);
  } else {
    return {false, {}, "unknown action " + cmd.action};
  }
  if (!st) return {false, {}, st.error().message};
  return {true, {{"sessionId", cmd.session_id}}, ""};
}

awaitable<void> AgentRunner::Execute(const std::shared_ptr<Link>& link,
                                     const protocol::Command& cmd) {
  if (auto done = journal_.Find(cmd.command_id)) {
    // Delivered again (a reconnect): answer, do not repeat.
    Report(*link->outbox, cmd.command_id, *done);
    co_return;
  }
  if (!journal_.Begin(cmd.command_id)) co_return;  // already in progress
  link->outbox->Push(protocol::AckMessage(cmd.command_id));
  spdlog::info("command started command_id={} action={} session_id={}", cmd.command_id, cmd.action,
               cmd.session_id);
  CommandOutcome outcome = co_await workers_.Run([this, &cmd] { return Apply(cmd); });
  journal_.Finish(cmd.command_id, outcome);
  spdlog::info("command finished command_id={} ok={} error={}", cmd.command_id, outcome.ok,
               outcome.error);
  std::shared_ptr<Link> now;
  {
    std::lock_guard lock(mu_);
    now = current_;
  }
  // If the connection dropped meanwhile, the redelivery after the reconnect gets the
  // outcome from the journal.
  if (now) Report(*now->outbox, cmd.command_id, outcome);
}

namespace {

// Copies bytes between the tunnel WebSocket and the session's socket until either closes.
template <class Socket>
awaitable<void> Splice(net::ClientWsStream& ws, Socket& socket) {
  auto executor = co_await asio::this_coro::executor;
  bool up_finished = false;
  asio::steady_timer up_done(executor);
  up_done.expires_at(asio::steady_timer::time_point::max());
  auto close_both = [&] {
    beast::error_code ec;
    socket.close(ec);
    beast::get_lowest_layer(ws).socket().close(ec);
  };
  // socket -> control plane
  asio::co_spawn(
      executor,
      [&]() -> awaitable<void> {
        std::vector<char> buf(256 * 1024);
        while (true) {
          beast::error_code read_ec;
          const size_t n = co_await socket.async_read_some(
              asio::buffer(buf), asio::redirect_error(use_awaitable, read_ec));
          if (read_ec) break;
          co_await ws.async_write(asio::buffer(buf.data(), n),
                                  asio::redirect_error(use_awaitable, read_ec));
          if (read_ec) break;
        }
      },
      [&](const std::exception_ptr&) {
        up_finished = true;
        close_both();
        up_done.cancel();
      });
  // control plane -> socket
  beast::flat_buffer in;
  while (true) {
    beast::error_code ec;
    co_await ws.async_read(in, asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    co_await asio::async_write(socket, in.cdata(), asio::redirect_error(use_awaitable, ec));
    in.consume(in.size());
    if (ec) break;
  }
  close_both();
  if (!up_finished) {
    beast::error_code ec;
    co_await up_done.async_wait(asio::redirect_error(use_awaitable, ec));
  }
}

}  // namespace

awaitable<void> AgentRunner::Tunnel(std::shared_ptr<Link> link, protocol::Command cmd) {
  if (auto done = journal_.Find(cmd.command_id)) {
    Report(*link->outbox, cmd.command_id, *done);  // that viewer is long gone
    co_return;
  }
  if (!journal_.Begin(cmd.command_id)) co_return;
  link->outbox->Push(protocol::AckMessage(cmd.command_id));
  const std::string tunnel_id = cmd.payload.value("tunnelId", "");
  const std::string target = cmd.payload.value("target", "vnc");
  auto finish = [&](const CommandOutcome& o) {
    journal_.Finish(cmd.command_id, o);
    Report(*link->outbox, cmd.command_id, o);
  };
  auto endpoint = co_await workers_.Run(
      [this, &cmd, &target] { return platform_.Resolve(cmd.session_id, target); });
  if (!endpoint) {
    finish({false, {}, endpoint.error().message});
    co_return;
  }
  auto executor = co_await asio::this_coro::executor;
  net::ClientWsStream ws(executor);
  beast::error_code ec = co_await ws.next_layer().Connect(host_, port_, tls_.get());
  if (ec) {
    finish({false, {}, "cannot reach the control plane: " + ec.message()});
    co_return;
  }
  const std::string key = config_.key;
  ws.set_option(websocket::stream_base::decorator([key](websocket::request_type& req) {
    req.set(beast::http::field::authorization, "Bearer " + key);
  }));
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws.read_message_max(32 * 1024 * 1024);
  ws.binary(true);
  ws.auto_fragment(false);
  // A client masks what it sends, through a buffer of this size (Beast's default is 4 KiB,
  // which splits every framebuffer update into many small socket writes).
  ws.write_buffer_bytes(256 * 1024);
  // Connect to the session first: a tunnel is only offered when both ends exist.
  if (endpoint->kind == Endpoint::Kind::kUnix) {
    asio::local::stream_protocol::socket socket(executor);
    co_await socket.async_connect(asio::local::stream_protocol::endpoint(endpoint->path),
                                  asio::redirect_error(use_awaitable, ec));
    if (ec) {
      finish({false, {}, "cannot reach the session: " + ec.message()});
      co_return;
    }
    websocket::response_type res;
    co_await ws.async_handshake(
        res, host_ + ":" + port_,
        "/api/v1/agents/tunnel?agent_id=" + config_.agent_id + "&tunnel_id=" + tunnel_id,
        asio::redirect_error(use_awaitable, ec));
    if (ec) {
      finish({false, {}, "tunnel refused: HTTP " + std::to_string(res.result_int())});
      co_return;
    }
    finish({true, {{"tunnelId", tunnel_id}}, ""});
    co_await Splice(ws, socket);
  } else {
    tcp::socket socket(executor);
    tcp::resolver r2(executor);
    auto target_eps = co_await r2.async_resolve(endpoint->host, std::to_string(endpoint->port),
                                                asio::redirect_error(use_awaitable, ec));
    if (!ec) {
      co_await asio::async_connect(socket, target_eps, asio::redirect_error(use_awaitable, ec));
    }
    if (ec) {
      finish({false, {}, "cannot reach the session: " + ec.message()});
      co_return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    websocket::response_type res;
    co_await ws.async_handshake(
        res, host_ + ":" + port_,
        "/api/v1/agents/tunnel?agent_id=" + config_.agent_id + "&tunnel_id=" + tunnel_id,
        asio::redirect_error(use_awaitable, ec));
    if (ec) {
      finish({false, {}, "tunnel refused: HTTP " + std::to_string(res.result_int())});
      co_return;
    }
    finish({true, {{"tunnelId", tunnel_id}}, ""});
    co_await Splice(ws, socket);
  }
}

}  // namespace sp::agent
