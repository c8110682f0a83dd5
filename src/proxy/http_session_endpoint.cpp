// ANY /api/v1/http/:id/*path: the HTTP proxy to web-app sessions (spec 35), and the HTTP
// half of a tunnel. See session_proxy.hpp for the path the bytes take.
#include <array>
#include <sstream>

#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "common/log.hpp"
#include "http/cookie_header.hpp"
#include "net/beast_response.hpp"
#include "proxy/session_proxy.hpp"

namespace sp::proxy {

namespace asio = net::asio;
namespace beast = net::beast;
namespace websocket = beast::websocket;
using tcp = net::tcp;

namespace {

// The cookie the proxy trades the connect URL's token for, scoped to one session's path, so
// that the app's pages can load their assets and open their sockets without a token each.
constexpr std::string_view kViewCookie = "ss_view";
constexpr auto kTouchInterval = std::chrono::seconds(30);

std::string Prefix(const std::string& session_id) { return "/api/v1/http/" + session_id; }

// The query string without the proxy's own `token` parameter.
std::string WithoutToken(std::string_view query) {
  std::string out;
  while (!query.empty()) {
    const size_t amp = std::min(query.find('&'), query.size());
    const std::string_view param = query.substr(0, amp);
    if (!param.empty() && param != "token" && !param.starts_with("token=")) {
      if (!out.empty()) out += '&';
      out += param;
    }
    query.remove_prefix(std::min(amp + 1, query.size()));
  }
  return out;
}

asio::awaitable<void> Redirect(beast::tcp_stream& stream, const net::BeastRequest& req,
                               const std::string& location, const std::string& set_cookie) {
  http::Response found{.status = 302, .content_type = ""};
  found.SetHeader("Location", location);
  found.SetHeader("Cache-Control", "no-store");
  if (!set_cookie.empty()) found.SetHeader("Set-Cookie", set_cookie);
  net::BeastResponse res = net::ToBeastResponse(std::move(found), req.version(), false);
  co_await net::RespondAndClose(stream, res);
}

struct HttpGrant {
  sessions::ViewerGrant grant;
  bool token_in_query = false;
  std::string cookie_token;  // when the token came in the query: what the cookie will hold
};

}  // namespace

class SessionProxy::HttpEndpoint final : public net::WsEndpoint {
 public:
  explicit HttpEndpoint(SessionProxy& p) : p_(p) {}

  Result<std::shared_ptr<void>> Authorize(http::Request& req) override {
    if (auto st = net::CheckOrigin(req); !st) return Fail(st.error());
    auto g = std::make_shared<HttpGrant>();
    std::string token;
    if (auto t = req.query.Get("token"); t && !t->empty()) {
      token = std::string(*t);
      g->token_in_query = true;
    } else {
      token = std::string(req.Cookie(kViewCookie));
    }
    if (token.empty()) {
      return Fail(
          Errc::kUnauthenticated,
          "a viewer token is required: open the URL from GET /api/v1/sessions/{id}/connect");
    }
    auto grant = p_.sessions_.AuthorizeViewer(token, std::string(req.PathParam("id")));
    if (!grant) return Fail(grant.error());
    if (grant->session.protocol != "http") {
      return Fail(Errc::kFailedPrecondition,
                  "this session streams over VNC: connect to its viewer WebSocket instead");
    }
    if (g->token_in_query) {
      auto cookie = p_.sessions_.ProxyCookieToken(*grant);
      if (!cookie) return Fail(cookie.error());
      g->cookie_token = std::move(*cookie);
    }
    g->grant = std::move(*grant);
    return std::shared_ptr<void>(std::move(g));
  }

  asio::awaitable<void> Serve(beast::tcp_stream& stream, net::WsContext& ctx) override {
    auto g = std::static_pointer_cast<HttpGrant>(ctx.grant);
    const std::string prefix = Prefix(g->grant.session.id);
    const std::string_view target(ctx.raw.target().data(), ctx.raw.target().size());
    // The router matched the decoded path; the raw target starts with the same prefix
    // because session ids need no escaping.
    std::string_view rest = target.starts_with(prefix) ? target.substr(prefix.size()) : "/";
    const size_t q = rest.find('?');
    const std::string path(rest.substr(0, q));
    const std::string query = q == std::string_view::npos ? "" : WithoutToken(rest.substr(q + 1));
    const std::string clean = (path.empty() ? "/" : path) + (query.empty() ? "" : "?" + query);
    const bool upgrade = websocket::is_upgrade(ctx.raw);
    const bool page =
        ctx.raw.method() == beast::http::verb::get || ctx.raw.method() == beast::http::verb::head;

    // /api/v1/http/<id> -> /api/v1/http/<id>/, so that the app's relative links resolve.
    // A token in the URL is traded for the session's cookie, and the URL shown without it.
    if (!upgrade && page && (path.empty() || g->token_in_query)) {
      std::string cookie;
      if (g->token_in_query) {
        cookie = std::string(kViewCookie) + "=" + g->cookie_token + "; Path=" + prefix +
                 "/; HttpOnly; SameSite=Strict; Max-Age=" +
                 std::to_string(p_.sessions_.options().proxy_cookie_ttl.count());
      }
      const std::string location = prefix + clean;
      co_await Redirect(stream, ctx.raw, location, cookie);
      co_return;
    }
    if (!co_await p_.WaitRunning(stream, ctx.raw, g->grant)) co_return;

    // The request as the app should see it: its own paths, no viewer token, and one
    // request per connection (the next one comes through the proxy again), unless it is a
    // WebSocket upgrade, which becomes the connection.
    net::BeastRequest up = ctx.raw;
    up.target(clean);
    const std::string cookies =
        http::CookieHeaderWithout(std::string_view(ctx.raw[beast::http::field::cookie].data(),
                                                   ctx.raw[beast::http::field::cookie].size()),
                                  kViewCookie);
    if (cookies.empty()) {
      up.erase(beast::http::field::cookie);
    } else {
      up.set(beast::http::field::cookie, cookies);
    }
    up.set("X-Forwarded-For", ctx.request.client_ip);
    up.set("X-Forwarded-Prefix", prefix);
    if (!upgrade) up.keep_alive(false);
    up.prepare_payload();
    std::ostringstream bytes;
    bytes << up;

    auto pending = std::make_shared<Pending>();
    pending->grant = g->grant;
    pending->client_ip = ctx.request.client_ip;
    pending->request = std::move(ctx.raw);
    pending->http = true;
    pending->upgrade = upgrade;
    pending->upstream = bytes.str();
    const std::string tunnel_target = "http";
    co_await p_.ParkAndOpen(stream, pending, tunnel_target);
  }

 private:
  SessionProxy& p_;
};

std::unique_ptr<net::WsEndpoint> SessionProxy::MakeHttpEndpoint() {
  return std::make_unique<HttpEndpoint>(*this);
}

void SessionProxy::TouchThrottled(const std::string& session_id) {
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    auto& last = touched_[session_id];
    if (now - last < kTouchInterval) return;
    last = now;
  }
  sessions_.TouchActivity(session_id);
}

asio::awaitable<void> SessionProxy::SpliceHttp(net::WsStream& tunnel, Pending& pending) {
  const auto executor = tunnel.get_executor();
  tcp::socket socket(executor, pending.v6 ? tcp::v6() : tcp::v4(), pending.fd);
  pending.fd = -1;
  beast::tcp_stream client(std::move(socket));
  const sessions::ViewerGrant& grant = pending.grant;
  // A WebSocket (the app's stream) is a viewer; a plain request is activity.
  if (pending.upgrade) {
    ViewerStarted(grant.session.id);
    co_await workers_.Run([&] {
      sessions_.RecordViewer(grant, true, pending.client_ip);
      return 0;
    });
  } else {
    co_await workers_.Run([&] {
      TouchThrottled(grant.session.id);
      return 0;
    });
  }

  auto close_both = [&tunnel, &client] {
    beast::error_code ec;
    beast::get_lowest_layer(tunnel).socket().close(ec);
    client.socket().close(ec);
  };
  beast::error_code ec;
  co_await tunnel.async_write(asio::buffer(pending.upstream),
                              asio::redirect_error(asio::use_awaitable, ec));
  bool up_done = false;
  asio::steady_timer up_finished(executor);
  up_finished.expires_at(asio::steady_timer::time_point::max());
  if (ec) {
    close_both();
  } else {
    // client -> app, raw. A client that half-closes after its request still gets the
    // answer: only an error closes both.
    asio::co_spawn(
        executor,
        [&]() -> asio::awaitable<void> {
          std::array<char, 64 * 1024> buffer{};
          while (true) {
            beast::error_code read_ec;
            const size_t n = co_await client.async_read_some(
                asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, read_ec));
            if (read_ec) {
              if (read_ec != asio::error::eof) close_both();
              break;
            }
            beast::error_code write_ec;
            co_await tunnel.async_write(asio::buffer(buffer.data(), n),
                                        asio::redirect_error(asio::use_awaitable, write_ec));
            if (write_ec) {
              close_both();
              break;
            }
          }
        },
        [&](const std::exception_ptr&) {
          up_done = true;
          up_finished.cancel();
        });
    // app -> client, unchanged.
    beast::flat_buffer down;
    while (true) {
      co_await tunnel.async_read(down, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      co_await asio::async_write(client, down.cdata(),
                                 asio::redirect_error(asio::use_awaitable, ec));
      down.consume(down.size());
      if (ec) break;
    }
    close_both();
    if (!up_done) {
      beast::error_code ignored;
      co_await up_finished.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
  }
  if (pending.upgrade) {
    ViewerEnded(grant.session.id);
    co_await workers_.Run([&] {
      sessions_.RecordViewer(grant, false, pending.client_ip);
      return 0;
    });
  }
}

}  // namespace sp::proxy
