#include "net/beast_response.hpp"

#include <chrono>

namespace sp::net {

BeastResponse ToBeastResponse(http::Response&& response, unsigned version, bool keep_alive,
                              bool head) {
  BeastResponse res{static_cast<beast::http::status>(response.status), version};
  if (!response.content_type.empty()) {
    res.set(beast::http::field::content_type, response.content_type);
  }
  for (auto& [k, v] : response.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.body() = std::move(response.body);
  res.prepare_payload();
  // Beast writes Content-Length: 0 here, but a 204 must not carry one and a 304's would have
  // to be that of the 200 it stands for (RFC 9110, 8.6).
  if (res.result() == beast::http::status::no_content ||
      res.result() == beast::http::status::not_modified) {
    res.erase(beast::http::field::content_length);
  }
  if (head) res.body().clear();  // Content-Length stays that of the GET body
  return res;
}

asio::awaitable<void> RespondAndClose(beast::tcp_stream& stream, BeastResponse& response) {
  response.keep_alive(false);
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(10));
  co_await beast::http::async_write(stream, response,
                                    asio::redirect_error(asio::use_awaitable, ec));
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

}  // namespace sp::net
