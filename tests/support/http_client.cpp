#include "tests/support/http_client.hpp"

#include <boost/beast/http.hpp>

#include "net/asio.hpp"

namespace sp::test {

namespace bhttp = boost::beast::http;
using sp::net::asio::ip::tcp;

nlohmann::json HttpResponse::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string HttpResponse::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse HttpClient::Send(
    const std::string& method, const std::string& target, const std::string& body,
    const std::string& bearer,
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  HttpResponse out;
  sp::net::asio::io_context io;
  sp::net::beast::tcp_stream stream(io);
  boost::system::error_code ec;
  stream.expires_after(std::chrono::seconds(60));
  stream.connect(tcp::endpoint(sp::net::asio::ip::make_address("127.0.0.1"), port_), ec);
  if (ec) return out;
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  if (!bearer.empty()) req.set(bhttp::field::authorization, "Bearer " + bearer);
  if (!body.empty()) req.set(bhttp::field::content_type, "application/json");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  bhttp::write(stream, req, ec);
  // A server that refuses a large body answers early and may close before reading it all:
  // read the answer even when the write failed.
  sp::net::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  boost::system::error_code read_ec;
  bhttp::read(stream, buffer, parser, read_ec);
  if (read_ec) return out;
  auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

}  // namespace sp::test
