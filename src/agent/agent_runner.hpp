// AgentRunner is the agent side of the agent protocol: it dials the control plane's
// /api/v1/agents/connect with its key (reconnecting with backoff), registers, reports the
// sessions it runs, sends heartbeats, carries out commands on its Platform exactly once per
// command_id, reports sessions whose processes exited, and opens tunnels on request.
// `streamspace agent` runs one; `streamspace serve` runs the built-in local one.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "agent/command_journal.hpp"
#include "agent/platform/platform.hpp"
#include "net/asio.hpp"
#include "net/client_stream.hpp"
#include "net/worker_pool.hpp"
#include "protocol/agent_protocol.hpp"

namespace sp::agent {

struct AgentConfig {
  std::string control_plane = "http://127.0.0.1:8080";  // http(s)://HOST:PORT
  std::string ca_file;  // https: trust these CAs instead of the system's
  std::string agent_id;
  std::string key;
  std::string region;
  std::string data_dir;  // journal and platform state
  std::string version;
  int64_t max_sessions = 10;
  bool draining = false;
  std::chrono::seconds heartbeat_interval{10};  // the control plane may override it
};

class AgentRunner {
 public:
  AgentRunner(net::asio::io_context& io, AgentConfig config, Platform& platform,
              net::WorkerPool& workers);
  ~AgentRunner();

  void Start();
  void Stop();
  bool connected() const { return connected_; }

 private:
  struct Link;
  net::asio::awaitable<void> Run();
  net::asio::awaitable<void> Session();  // one connection, until it drops
  // Awaited at once by its caller: references are safe and avoid a GCC 12 coroutine bug.
  net::asio::awaitable<void> Execute(const std::shared_ptr<Link>& link,
                                     const protocol::Command& command);
  net::asio::awaitable<void> Tunnel(std::shared_ptr<Link> link, protocol::Command command);
  CommandOutcome Apply(const protocol::Command& command);

  net::asio::io_context& io_;
  AgentConfig config_;
  Platform& platform_;
  net::WorkerPool& workers_;
  CommandJournal journal_;
  std::string host_;
  std::string port_;
  std::shared_ptr<net::asio::ssl::context> tls_;  // https control planes
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::shared_ptr<Link> current_;
  std::mutex mu_;
};

// Splits "http(s)://host:port" into host and port (default 80 or 443) and tells whether it
// is https; kInvalidArgument for anything else.
Status ParseControlPlaneUrl(const std::string& url, std::string& host, std::string& port,
                            bool* tls = nullptr);

}  // namespace sp::agent
