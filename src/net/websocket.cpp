#include "net/websocket.hpp"

#include <boost/beast/websocket.hpp>

namespace sp::net {

void WsRouter::Add(const std::string& pattern, WsEndpoint& endpoint) {
  router_.Add(http::Route{http::Method::kGet, pattern, http::Access::kPublic, "", nullptr});
  auto match = router_.Find(http::Method::kGet, pattern);
  endpoints_.emplace_back(match.route, &endpoint);
}

void WsRouter::AddTakeover(const std::string& pattern, WsEndpoint& endpoint) {
  takeover_router_.Add(
      http::Route{http::Method::kGet, pattern, http::Access::kPublic, "", nullptr});
  auto match = takeover_router_.Find(http::Method::kGet, pattern);
  takeovers_.emplace_back(match.route, &endpoint);
}

namespace {

WsEndpoint* Lookup(const http::Router& router,
                   const std::vector<std::pair<const http::Route*, WsEndpoint*>>& endpoints,
                   http::Request& request) {
  auto match = router.Find(http::Method::kGet, request.path);
  if (match.route == nullptr) return nullptr;
  for (const auto& [route, endpoint] : endpoints) {
    if (route == match.route) {
      request.path_params = std::move(match.params);
      return endpoint;
    }
  }
  return nullptr;
}

}  // namespace

WsEndpoint* WsRouter::Find(http::Request& request) const {
  return Lookup(router_, endpoints_, request);
}

WsEndpoint* WsRouter::FindTakeover(http::Request& request) const {
  if (takeovers_.empty()) return nullptr;
  return Lookup(takeover_router_, takeovers_, request);
}

asio::awaitable<beast::error_code> AcceptUpgrade(WsStream& ws, const BeastRequest& request) {
  bool binary = false;
  if (auto it = request.find(beast::http::field::sec_websocket_protocol); it != request.end()) {
    const std::string_view offered(it->value().data(), it->value().size());
    binary = offered.find("binary") != std::string_view::npos;
  }
  ws.set_option(
      beast::websocket::stream_base::decorator([binary](beast::websocket::response_type& res) {
        if (binary) res.set(beast::http::field::sec_websocket_protocol, "binary");
        res.set(beast::http::field::server, "streamspace");
      }));
  beast::error_code ec;
  co_await ws.async_accept(request, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

Status CheckOrigin(const http::Request& request) {
  const std::string_view origin = request.Header("origin");
  if (origin.empty()) return Ok();
  const std::string_view host = request.Header("host");
  const size_t scheme = origin.find("://");
  const std::string_view origin_host =
      scheme == std::string_view::npos ? origin : origin.substr(scheme + 3);
  if (!host.empty() && origin_host == host) return Ok();
  return Fail(Errc::kPermissionDenied, "cross-origin WebSocket upgrade refused");
}

}  // namespace sp::net
