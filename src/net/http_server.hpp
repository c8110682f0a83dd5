// HttpServer accepts HTTP/1.1 connections (keep-alive) and runs one coroutine per
// connection on its own strand. Each request is read with a body limit (413 beyond it),
// converted to http::Request and handed to the Pipeline on the worker pool.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/error.hpp"
#include "http/pipeline.hpp"
#include "net/asio.hpp"
#include "net/websocket.hpp"
#include "net/worker_pool.hpp"

namespace sp::net {

struct HttpServerOptions {
  uint64_t max_body_bytes = 1024 * 1024;
  std::chrono::seconds idle_timeout{60};
};

class HttpServer {
 public:
  HttpServer(asio::io_context& io, http::Pipeline& pipeline, WorkerPool& workers,
             HttpServerOptions options, const WsRouter* ws_routes = nullptr);
  ~HttpServer();

  // Binds and listens; port 0 picks a free port. Returns the bound endpoint.
  Result<tcp::endpoint> Listen(const std::string& host, uint16_t port);
  void Start();
  // Stops accepting, closes idle connections and lets busy ones finish their request.
  void Stop();
  size_t OpenConnections() const { return open_.load(); }

 private:
  struct Connection;
  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Serve(std::shared_ptr<Connection> conn);
  // Answers or hands over a WebSocket upgrade; the connection is gone afterwards.
  asio::awaitable<void> Upgrade(std::shared_ptr<Connection> conn, WsEndpoint& endpoint,
                                http::Request req, BeastRequest raw);

  asio::io_context& io_;
  http::Pipeline& pipeline_;
  WorkerPool& workers_;
  HttpServerOptions options_;
  const WsRouter* ws_routes_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0};
  std::mutex mu_;
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections_;
};

}  // namespace sp::net
