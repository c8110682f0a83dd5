#include "net/http_server.hpp"

#include <array>
#include <vector>

#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "common/log.hpp"
#include "net/beast_response.hpp"

namespace sp::net {

namespace bhttp = beast::http;

struct HttpServer::Connection {
  explicit Connection(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  bool busy = false;      // touched only on the connection's strand
  bool upgraded = false;  // the stream was handed to a WebSocket endpoint
};

HttpServer::HttpServer(asio::io_context& io, http::Pipeline& pipeline, WorkerPool& workers,
                       HttpServerOptions options, const WsRouter* ws_routes)
    : io_(io),
      pipeline_(pipeline),
      workers_(workers),
      options_(options),
      ws_routes_(ws_routes),
      acceptor_(io) {}

HttpServer::~HttpServer() = default;

Result<tcp::endpoint> HttpServer::Listen(const std::string& host, uint16_t port) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return Fail(Errc::kInvalidArgument, "invalid listen address: " + host);
  const tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Fail(Errc::kUnavailable,
                "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  return acceptor_.local_endpoint();
}

void HttpServer::Start() { asio::co_spawn(io_, AcceptLoop(), asio::detached); }

void HttpServer::Stop() {
  stopping_ = true;
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  std::lock_guard lock(mu_);
  for (auto& [id, weak] : connections_) {
    if (auto conn = weak.lock()) {
      asio::post(conn->stream.get_executor(), [conn] {
        if (!conn->busy && !conn->upgraded) conn->stream.socket().close();
      });
    }
  }
}

asio::awaitable<void> HttpServer::AcceptLoop() {
  while (!stopping_) {
    beast::error_code ec;
    tcp::socket socket(asio::make_strand(io_));
    co_await acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping_) co_return;
      spdlog::warn("accept failed error={}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<Connection>(std::move(socket));
    asio::co_spawn(conn->stream.get_executor(), Serve(conn), asio::detached);
  }
}

namespace {

http::Method ToMethod(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return http::Method::kGet;
    case bhttp::verb::head:
      return http::Method::kHead;
    case bhttp::verb::post:
      return http::Method::kPost;
    case bhttp::verb::put:
      return http::Method::kPut;
    case bhttp::verb::patch:
      return http::Method::kPatch;
    case bhttp::verb::delete_:
      return http::Method::kDelete;
    case bhttp::verb::options:
      return http::Method::kOptions;
    default:
      return http::Method::kOther;
  }
}

}  // namespace

asio::awaitable<void> HttpServer::Serve(std::shared_ptr<Connection> conn) {
  uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    connections_[id] = conn;
  }
  ++open_;
  std::string client_ip;
  {
    beast::error_code ec;
    auto ep = conn->stream.socket().remote_endpoint(ec);
    client_ip = ec ? "unknown" : ep.address().to_string();
  }
  beast::flat_buffer buffer;
  while (!stopping_) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(options_.max_body_bytes);
    conn->stream.expires_after(options_.idle_timeout);
    beast::error_code ec;
    co_await bhttp::async_read(conn->stream, buffer, parser,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      const bool body = ec == bhttp::error::body_limit;
      http::Response r = http::ErrorResponse(
          body ? 413 : 431, body ? "payload_too_large" : "headers_too_large",
          body ? "request body exceeds " + std::to_string(options_.max_body_bytes) + " bytes"
               : "request headers are too large");
      http::Pipeline::AddSecurityHeaders(r);
      auto res = ToBeastResponse(std::move(r), 11, false);
      conn->stream.expires_after(std::chrono::seconds(10));
      co_await bhttp::async_write(conn->stream, res, asio::redirect_error(asio::use_awaitable, ec));
      // Drain what the client is still sending so that it reads our answer instead of a reset.
      conn->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      // On the heap: an array here would live in the coroutine frame of every connection,
      // WebSockets included, for its whole life (64 KiB each; seen in the hub benchmark).
      std::vector<char> scratch(65536);
      size_t drained = 0;
      while (!ec && drained < 64 * options_.max_body_bytes) {
        drained += co_await conn->stream.async_read_some(
            asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, ec));
      }
      break;
    }
    if (ec) break;  // EOF, reset, timeout, close on shutdown: normal endings
    auto& breq = parser.get();
    http::Request req;
    req.method = ToMethod(breq.method());
    const std::string_view target(breq.target().data(), breq.target().size());
    const size_t q = target.find('?');
    auto path = http::PercentDecode(target.substr(0, q), false);
    bool bad_path = !path || path->empty() || path->front() != '/';
    if (!bad_path) req.path = std::move(*path);
    if (q != std::string_view::npos) req.query = http::QueryParams::Parse(target.substr(q + 1));
    req.headers.reserve(16);
    for (const auto& field : breq) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    req.body = std::move(breq.body());
    req.client_ip = client_ip;
    const bool keep_alive = breq.keep_alive() && !stopping_;
    const unsigned version = breq.version();
    const bool head = req.method == http::Method::kHead;

    if (!bad_path && ws_routes_ != nullptr) {
      WsEndpoint* endpoint = ws_routes_->FindTakeover(req);
      if (endpoint == nullptr && beast::websocket::is_upgrade(breq)) {
        endpoint = ws_routes_->Find(req);
      }
      if (endpoint != nullptr) {
        // Named, then moved: GCC 12 mishandles prvalue arguments of awaited coroutines.
        BeastRequest raw = parser.release();
        co_await Upgrade(conn, *endpoint, std::move(req), std::move(raw));
        break;
      }
    }
    http::Response response;
    if (bad_path) {
      response = http::ErrorResponse(400, "invalid_request", "malformed request path");
      http::Pipeline::AddSecurityHeaders(response);
    } else {
      conn->busy = true;
      conn->stream.expires_never();
      response = co_await workers_.Run([this, &req] { return pipeline_.Handle(req); });
      conn->busy = false;
    }
    auto res = ToBeastResponse(std::move(response), version, keep_alive && !stopping_, head);
    conn->stream.expires_after(std::chrono::seconds(30));
    co_await bhttp::async_write(conn->stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !res.keep_alive()) break;
  }
  if (!conn->upgraded) {
    beast::error_code ignored;
    conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    conn->stream.socket().close(ignored);
  }
  {
    std::lock_guard lock(mu_);
    connections_.erase(id);
  }
  --open_;
}

asio::awaitable<void> HttpServer::Upgrade(std::shared_ptr<Connection> conn, WsEndpoint& endpoint,
                                          http::Request req, BeastRequest raw) {
  Result<std::shared_ptr<void>> grant =
      co_await workers_.Run([&endpoint, &req] { return endpoint.Authorize(req); });
  if (!grant) {
    http::Response r = http::ErrorResponse(grant.error());
    http::Pipeline::AddSecurityHeaders(r);
    BeastResponse res = ToBeastResponse(std::move(r), raw.version(), false);
    co_await RespondAndClose(conn->stream, res);
    spdlog::info("websocket refused path={} status={} client={} reason={}", req.path,
                 res.result_int(), req.client_ip, grant.error().message);
    co_return;
  }
  conn->stream.expires_never();
  conn->upgraded = true;
  WsContext context{std::move(req), std::move(raw), std::move(*grant)};
  co_await endpoint.Serve(conn->stream, context);
}

}  // namespace sp::net
