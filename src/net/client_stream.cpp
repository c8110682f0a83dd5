#include "net/client_stream.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace sp::net {

asio::awaitable<beast::error_code> ClientStream::Connect(const std::string& host,
                                                         const std::string& port,
                                                         asio::ssl::context* tls) {
  beast::error_code ec;
  tcp::resolver resolver(tcp_->get_executor());
  auto endpoints =
      co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  tcp_->expires_after(std::chrono::seconds(10));
  co_await tcp_->async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  // Frames of a display stream are latency-bound: do not let Nagle hold them back.
  tcp_->socket().set_option(tcp::no_delay(true), ec);
  ec = {};
  if (tls != nullptr) {
    tls_.emplace(std::move(*tcp_), *tls);
    tcp_.reset();
    if (!SSL_set_tlsext_host_name(tls_->native_handle(), host.c_str())) {
      co_return beast::error_code(static_cast<int>(::ERR_get_error()),
                                  asio::error::get_ssl_category());
    }
    tls_->set_verify_callback(asio::ssl::host_name_verification(host));
    co_await tls_->async_handshake(asio::ssl::stream_base::client,
                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
  }
  tcp().expires_never();
  co_return ec;
}

Result<std::shared_ptr<asio::ssl::context>> MakeClientTlsContext(const std::string& ca_file) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  beast::error_code ec;
  ctx->set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                       asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1,
                   ec);
  ctx->set_verify_mode(asio::ssl::verify_peer, ec);
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(ca_file, ec);
  }
  if (ec) {
    return Fail(Errc::kInvalidArgument, "cannot load the TLS trust store" +
                                            (ca_file.empty() ? "" : " " + ca_file) + ": " +
                                            ec.message());
  }
  return ctx;
}

}  // namespace sp::net
