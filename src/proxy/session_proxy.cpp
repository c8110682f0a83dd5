#include "proxy/session_proxy.hpp"

#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <unistd.h>

#include "common/crypto.hpp"
#include "common/log.hpp"
#include "net/beast_response.hpp"
#include "proxy/rfb_client_filter.hpp"
#include "realtime/agent_hub.hpp"

namespace sp::proxy {

namespace asio = net::asio;
namespace beast = net::beast;
namespace websocket = beast::websocket;
using tcp = net::tcp;

namespace {

constexpr auto kTunnelArrivalTimeout = std::chrono::seconds(15);
constexpr auto kSessionStartTimeout = std::chrono::seconds(60);
constexpr auto kActivityTouchInterval = std::chrono::seconds(30);
constexpr size_t kMaxMessage = 32 * 1024 * 1024;

void ConfigureStream(net::WsStream& ws) {
  websocket::stream_base::timeout t{};
  t.handshake_timeout = std::chrono::seconds(30);
  t.idle_timeout = std::chrono::seconds(60);
  t.keep_alive_pings = true;
  ws.set_option(t);
  ws.read_message_max(kMaxMessage);
  ws.binary(true);
  ws.auto_fragment(false);
}

}  // namespace

asio::awaitable<void> RespondError(beast::tcp_stream& stream, const net::BeastRequest& req,
                                   const Error& error) {
  net::BeastResponse res = net::ToBeastResponse(http::ErrorResponse(error), req.version(), false);
  co_await net::RespondAndClose(stream, res);
}

asio::awaitable<bool> SessionProxy::WaitRunning(beast::tcp_stream& stream,
                                                const net::BeastRequest& request,
                                                sessions::ViewerGrant& grant) {
  const auto give_up = std::chrono::steady_clock::now() + kSessionStartTimeout;
  asio::steady_timer poll(stream.get_executor());
  while (true) {
    auto s = co_await workers_.Run([&] { return sessions_.Current(grant.session.id); });
    if (!s) {
      co_await RespondError(stream, request, s.error());
      co_return false;
    }
    if (s->state == sessions::state::kRunning) {
      grant.session = *s;
      co_return true;
    }
    const bool coming = s->state == sessions::state::kPending ||
                        s->state == sessions::state::kStarting ||
                        s->state == sessions::state::kWaking;
    if (!coming || std::chrono::steady_clock::now() > give_up) {
      const Error why{coming ? Errc::kUnavailable : Errc::kFailedPrecondition,
                      "the session is " + s->state + (coming ? " and did not start in time" : ""),
                      {},
                      0};
      co_await RespondError(stream, request, why);
      co_return false;
    }
    poll.expires_after(std::chrono::milliseconds(100));
    beast::error_code ec;
    co_await poll.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> SessionProxy::ParkAndOpen(beast::tcp_stream& stream,
                                                std::shared_ptr<Pending> pending,
                                                const std::string& target) {
  pending->tunnel_id = "tun-" + HexEncode(RandomBytes(16));
  pending->agent_id = pending->grant.session.agent_id.value_or("");
  pending->deadline = std::chrono::steady_clock::now() + kTunnelArrivalTimeout;
  beast::error_code ec;
  pending->v6 = stream.socket().local_endpoint(ec).address().is_v6();
  // Park before asking for the tunnel: the agent may dial back within a millisecond.
  pending->fd = stream.release_socket().release(ec);
  Park(pending);
  auto opened = co_await workers_.Run(
      [&] { return sessions_.OpenTunnel(pending->grant.session, pending->tunnel_id, target); });
  if (!opened) {
    // Take the socket back, if the tunnel has not claimed it meanwhile, and say why.
    if (auto mine = Claim(pending->tunnel_id, pending->agent_id)) {
      tcp::socket socket(stream.get_executor(), mine->v6 ? tcp::v6() : tcp::v4(), mine->fd);
      beast::tcp_stream back(std::move(socket));
      co_await RespondError(back, mine->request, opened.error());
    }
  }
}

class SessionProxy::ViewerEndpoint final : public net::WsEndpoint {
 public:
  explicit ViewerEndpoint(SessionProxy& p) : p_(p) {}

  Result<std::shared_ptr<void>> Authorize(http::Request& req) override {
    if (auto st = net::CheckOrigin(req); !st) return Fail(st.error());
    auto token = req.query.Get("token");
    if (!token || token->empty()) {
      return Fail(Errc::kUnauthenticated, "query parameter 'token' is required");
    }
    auto grant = p_.sessions_.AuthorizeViewer(*token, std::string(req.PathParam("id")));
    if (!grant) return Fail(grant.error());
    return std::shared_ptr<void>(std::make_shared<sessions::ViewerGrant>(std::move(*grant)));
  }

  asio::awaitable<void> Serve(beast::tcp_stream& stream, net::WsContext& ctx) override {
    auto grant = std::static_pointer_cast<sessions::ViewerGrant>(ctx.grant);
    // A session that is still starting or waking: wait for it.
    if (!co_await p_.WaitRunning(stream, ctx.raw, *grant)) co_return;
    auto pending = std::make_shared<Pending>();
    pending->grant = *grant;
    pending->client_ip = ctx.request.client_ip;
    pending->request = std::move(ctx.raw);
    const std::string target = "vnc";
    co_await p_.ParkAndOpen(stream, pending, target);
  }

 private:
  SessionProxy& p_;
};

class SessionProxy::TunnelEndpoint final : public net::WsEndpoint {
 public:
  explicit TunnelEndpoint(SessionProxy& p) : p_(p) {}

  Result<std::shared_ptr<void>> Authorize(http::Request& req) override {
    auto agent_id = req.query.Get("agent_id");
    auto tunnel_id = req.query.Get("tunnel_id");
    if (!agent_id || !tunnel_id) {
      return Fail(Errc::kInvalidArgument,
                  "query parameters 'agent_id' and 'tunnel_id' are required");
    }
    auto agent = p_.agents_.Authenticate(std::string(*agent_id), realtime::BearerOf(req));
    if (!agent) return Fail(agent.error());
    if (!p_.Exists(std::string(*tunnel_id), agent->agent_id)) {
      return Fail(Errc::kNotFound, "no viewer is waiting on this tunnel");
    }
    return std::shared_ptr<void>(std::make_shared<std::pair<std::string, std::string>>(
        std::string(*tunnel_id), agent->agent_id));
  }

  asio::awaitable<void> Serve(beast::tcp_stream& stream, net::WsContext& ctx) override {
    auto ids = std::static_pointer_cast<std::pair<std::string, std::string>>(ctx.grant);
    auto pending = p_.Claim(ids->first, ids->second);
    if (!pending) {
      const Error gone{Errc::kNotFound, "the viewer is gone", {}, 0};
      co_await RespondError(stream, ctx.raw, gone);
      co_return;
    }
    const auto executor = stream.get_executor();
    net::WsStream tunnel(std::move(stream));
    ConfigureStream(tunnel);
    if (auto ec = co_await net::AcceptUpgrade(tunnel, ctx.raw); ec) {
      ::close(pending->fd);
      co_return;
    }
    if (pending->http) {
      co_await p_.SpliceHttp(tunnel, *pending);
      co_return;
    }
    // The viewer's socket joins this strand; its upgrade completes here.
    tcp::socket socket(executor, pending->v6 ? tcp::v6() : tcp::v4(), pending->fd);
    pending->fd = -1;
    net::WsStream viewer{beast::tcp_stream(std::move(socket))};
    ConfigureStream(viewer);
    if (auto ec = co_await net::AcceptUpgrade(viewer, pending->request); ec) co_return;

    const sessions::ViewerGrant& grant = pending->grant;
    p_.ViewerStarted(grant.session.id);
    co_await p_.workers_.Run([&] {
      p_.sessions_.RecordViewer(grant, true, pending->client_ip);
      return 0;
    });
    spdlog::info("viewer connected session_id={} user={} tunnel_id={}", grant.session.id,
                 grant.username, pending->tunnel_id);

    // viewer -> session, filtered; runs beside the other direction on this strand.
    bool up_done = false;
    asio::steady_timer up_finished(executor);
    up_finished.expires_at(asio::steady_timer::time_point::max());
    auto close_both = [&tunnel, &viewer] {
      beast::error_code ec;
      beast::get_lowest_layer(tunnel).socket().close(ec);
      beast::get_lowest_layer(viewer).socket().close(ec);
    };
    asio::co_spawn(
        executor,
        [&]() -> asio::awaitable<void> {
          RfbClientFilter filter(grant.view_only);
          beast::flat_buffer in;
          std::string out;
          while (true) {
            beast::error_code ec;
            co_await viewer.async_read(in, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;
            out.clear();
            const auto data = in.cdata();
            if (!filter.Feed(std::string_view(static_cast<const char*>(data.data()), data.size()),
                             out)) {
              spdlog::warn("viewer sent malformed RFB; closing session_id={}", grant.session.id);
              break;
            }
            in.consume(in.size());
            if (out.empty()) continue;
            co_await tunnel.async_write(asio::buffer(out),
                                        asio::redirect_error(asio::use_awaitable, ec));
            if (ec) break;
          }
        },
        [&](const std::exception_ptr&) {
          up_done = true;
          close_both();
          up_finished.cancel();
        });

    // session -> viewer, unchanged.
    auto last_touch = std::chrono::steady_clock::now();
    beast::flat_buffer down;
    while (true) {
      beast::error_code ec;
      co_await tunnel.async_read(down, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      co_await viewer.async_write(down.cdata(), asio::redirect_error(asio::use_awaitable, ec));
      down.consume(down.size());
      if (ec) break;
      if (std::chrono::steady_clock::now() - last_touch > kActivityTouchInterval) {
        last_touch = std::chrono::steady_clock::now();
        co_await p_.workers_.Run([&] {
          p_.sessions_.TouchActivity(grant.session.id);
          return 0;
        });
      }
    }
    close_both();
    if (!up_done) {
      beast::error_code ec;
      co_await up_finished.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    p_.ViewerEnded(grant.session.id);
    co_await p_.workers_.Run([&] {
      p_.sessions_.RecordViewer(grant, false, pending->client_ip);
      return 0;
    });
    spdlog::info("viewer disconnected session_id={} user={}", grant.session.id, grant.username);
  }

 private:
  SessionProxy& p_;
};

SessionProxy::SessionProxy(sessions::SessionService& sessions, agents::AgentService& agents,
                           net::WorkerPool& workers)
    : sessions_(sessions),
      agents_(agents),
      workers_(workers),
      viewer_(std::make_unique<ViewerEndpoint>(*this)),
      tunnel_(std::make_unique<TunnelEndpoint>(*this)),
      http_(MakeHttpEndpoint()) {}

SessionProxy::~SessionProxy() {
  std::lock_guard lock(mu_);
  for (auto& [id, p] : pending_) {
    if (p->fd >= 0) ::close(p->fd);
  }
}

net::WsEndpoint& SessionProxy::viewer_endpoint() { return *viewer_; }
net::WsEndpoint& SessionProxy::tunnel_endpoint() { return *tunnel_; }
net::WsEndpoint& SessionProxy::http_endpoint() { return *http_; }

void SessionProxy::Park(std::shared_ptr<Pending> pending) {
  std::lock_guard lock(mu_);
  pending_[pending->tunnel_id] = std::move(pending);
}

std::shared_ptr<SessionProxy::Pending> SessionProxy::Claim(const std::string& tunnel_id,
                                                           const std::string& agent_id) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(tunnel_id);
  if (it == pending_.end() || it->second->agent_id != agent_id) return nullptr;
  auto p = std::move(it->second);
  pending_.erase(it);
  return p;
}

bool SessionProxy::Exists(const std::string& tunnel_id, const std::string& agent_id) const {
  std::lock_guard lock(mu_);
  auto it = pending_.find(tunnel_id);
  return it != pending_.end() && it->second->agent_id == agent_id;
}

void SessionProxy::ReapExpired() {
  std::vector<std::shared_ptr<Pending>> expired;
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second->deadline < now) {
        expired.push_back(std::move(it->second));
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& p : expired) {
    spdlog::warn("tunnel did not arrive; answering 504 session_id={} tunnel_id={}",
                 p->grant.session.id, p->tunnel_id);
    static constexpr char kResponse[] =
        "HTTP/1.1 504 Gateway Timeout\r\nContent-Type: application/json\r\nConnection: "
        "close\r\nContent-Length: 77\r\n\r\n{\"error\":\"unavailable\",\"message\":\"the session's "
        "agent did not open a tunnel\"}";
    (void)!::write(p->fd, kResponse, sizeof kResponse - 1);
    ::close(p->fd);
  }
}

int SessionProxy::Viewers(const std::string& session_id) const {
  std::lock_guard lock(mu_);
  auto it = viewers_.find(session_id);
  return it == viewers_.end() ? 0 : it->second;
}

void SessionProxy::ViewerStarted(const std::string& session_id) {
  std::lock_guard lock(mu_);
  ++viewers_[session_id];
}

void SessionProxy::ViewerEnded(const std::string& session_id) {
  std::lock_guard lock(mu_);
  if (--viewers_[session_id] <= 0) viewers_.erase(session_id);
}

}  // namespace sp::proxy
