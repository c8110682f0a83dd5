// AgentHub: the control WebSockets of connected agents (GET /api/v1/agents/connect).
// One connection per agent; a newer connection of the same agent replaces the older one.
// Messages from an agent are handled one at a time, in order, on the worker pool; messages
// to it go through its WsOutbox. Commands reach agents only through the database queue:
// Flush() sends what is deliverable, marking it sent in the same step.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "areas/agents/agent_service.hpp"
#include "net/websocket.hpp"
#include "net/worker_pool.hpp"
#include "net/ws_outbox.hpp"

namespace sp::realtime {

class AgentHub final : public net::WsEndpoint, public agents::AgentLink {
 public:
  AgentHub(agents::AgentService& agents, net::WorkerPool& workers)
      : agents_(agents), workers_(workers) {}

  Result<std::shared_ptr<void>> Authorize(http::Request& request) override;
  net::asio::awaitable<void> Serve(net::beast::tcp_stream& stream,
                                   net::WsContext& context) override;

  bool IsConnected(const std::string& agent_id) const override;
  void Flush(const std::string& agent_id) override;
  void Disconnect(const std::string& agent_id) override;
  void CloseAll();
  size_t ConnectedCount() const;

 private:
  struct Connection {
    std::string agent_id;
    uint64_t serial = 0;
    std::shared_ptr<net::WsOutbox> outbox;
    std::mutex flush_mu;  // one delivery at a time, so a command is taken once
  };
  std::shared_ptr<Connection> Lookup(const std::string& agent_id) const;
  void Deliver(Connection& conn, bool include_unacked);
  // Handles one message from the agent; returns false to close the connection.
  bool Handle(Connection& conn, const std::string& frame);
  bool HandleMessage(Connection& conn, const std::string& frame);

  agents::AgentService& agents_;
  net::WorkerPool& workers_;
  mutable std::mutex mu_;
  uint64_t next_serial_ = 1;
  std::unordered_map<std::string, std::shared_ptr<Connection>> connections_;
};

// "Authorization: Bearer <key>" of a request, or empty.
std::string_view BearerOf(const http::Request& request);

}  // namespace sp::realtime
