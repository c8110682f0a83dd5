// ClientStream: the transport under an agent's WebSockets to the control plane, plain TCP
// for http:// control planes and TLS over TCP for https:// ones, as one type, so that the
// agent's protocol code (and WsOutbox) is written once. It forwards reads and writes to
// whichever stream is active; both answer with the same completion signature.
#pragma once

#include <optional>
#include <string>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include "common/error.hpp"
#include "net/asio.hpp"

namespace sp::net {

class ClientStream {
 public:
  using executor_type = beast::tcp_stream::executor_type;

  explicit ClientStream(const executor_type& executor) : tcp_(std::in_place, executor) {}

  executor_type get_executor() { return tls_ ? tls_->get_executor() : tcp_->get_executor(); }

  // The TCP stream underneath (for timeouts, options and closing).
  beast::tcp_stream& tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : *tcp_; }
  bool tls() const { return tls_.has_value(); }
  // As beast::tcp_stream has it, so that get_lowest_layer(ws).socket() works on both.
  tcp::socket& socket() { return tcp().socket(); }

  // Resolves and connects to host:port; with `tls`, then performs the TLS handshake, naming
  // `host` (SNI) and checking the certificate against it. Times out after 10 s.
  asio::awaitable<beast::error_code> Connect(const std::string& host, const std::string& port,
                                             asio::ssl::context* tls);

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<Token>(token));
    return tcp_->async_read_some(buffers, std::forward<Token>(token));
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    if (tls_) return tls_->async_write_some(buffers, std::forward<Token>(token));
    return tcp_->async_write_some(buffers, std::forward<Token>(token));
  }

  // WebSocket closing handshake support (found by argument-dependent lookup).
  template <class Handler>
  friend void async_teardown(beast::role_type role, ClientStream& s, Handler&& handler) {
    using beast::async_teardown;
    if (s.tls_) {
      async_teardown(role, *s.tls_, std::forward<Handler>(handler));
    } else {
      async_teardown(role, *s.tcp_, std::forward<Handler>(handler));
    }
  }
  // What the WebSocket stream calls when it times out.
  friend void beast_close_socket(ClientStream& s) {
    beast::error_code ignored;
    s.socket().close(ignored);
  }
  friend void teardown(beast::role_type role, ClientStream& s, beast::error_code& ec) {
    using beast::teardown;
    if (s.tls_) {
      teardown(role, *s.tls_, ec);
    } else {
      teardown(role, *s.tcp_, ec);
    }
  }

 private:
  std::optional<beast::tcp_stream> tcp_;  // until TLS takes it over
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

using ClientWsStream = beast::websocket::stream<ClientStream>;

// The TLS settings of an agent: the system's trust store, or `ca_file` when given.
Result<std::shared_ptr<asio::ssl::context>> MakeClientTlsContext(const std::string& ca_file);

}  // namespace sp::net
