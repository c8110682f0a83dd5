// WebSocket endpoints. HttpServer hands a WebSocket upgrade request to the endpoint
// registered for its path: Authorize() runs first on a worker thread (it may query the
// database; an error is answered as a plain HTTP error and nothing is upgraded), then
// Serve() gets the raw connection and the request on the connection's strand and performs
// the upgrade itself, so that an endpoint may also park the connection and upgrade it
// later, or on another strand (the VNC proxy does).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "common/error.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "net/asio.hpp"

namespace sp::net {

using BeastRequest = beast::http::request<beast::http::string_body>;
using WsStream = beast::websocket::stream<beast::tcp_stream>;

struct WsContext {
  http::Request request;        // converted request, with path parameters
  BeastRequest raw;             // what the upgrade needs
  std::shared_ptr<void> grant;  // what Authorize() returned
};

class WsEndpoint {
 public:
  virtual ~WsEndpoint() = default;
  // Worker thread. Decides whether the upgrade may happen.
  virtual Result<std::shared_ptr<void>> Authorize(http::Request& request) = 0;
  // Connection strand. Owns the connection from here on.
  // The caller keeps both alive until the returned awaitable completes (it awaits it at
  // once); by reference because GCC 12 destroys by-value coroutine parameters twice here.
  virtual asio::awaitable<void> Serve(beast::tcp_stream& stream, WsContext& context) = 0;
};

class WsRouter {
 public:
  // For WebSocket upgrade requests on `pattern`.
  void Add(const std::string& pattern, WsEndpoint& endpoint);
  // For every request on `pattern`, upgrade or not, of any method: the endpoint takes the
  // connection over (the HTTP proxy to web-app sessions). Nothing of the HTTP pipeline runs.
  void AddTakeover(const std::string& pattern, WsEndpoint& endpoint);
  // Fills request.path_params on a match.
  WsEndpoint* Find(http::Request& request) const;
  WsEndpoint* FindTakeover(http::Request& request) const;

 private:
  http::Router router_;
  http::Router takeover_router_;
  std::vector<std::pair<const http::Route*, WsEndpoint*>> endpoints_;
  std::vector<std::pair<const http::Route*, WsEndpoint*>> takeovers_;
};

// Accepts the upgrade on `ws`, echoing the "binary" subprotocol when the client offers it
// (noVNC and websockify clients require the echo).
asio::awaitable<beast::error_code> AcceptUpgrade(WsStream& ws, const BeastRequest& request);

// Checks the Origin header of a browser upgrade: absent (non-browser clients) or the same
// host as the request. Blocks cross-site WebSocket hijacking.
Status CheckOrigin(const http::Request& request);

}  // namespace sp::net
