// The viewer paths through the control plane (DESIGN.md, Tunnels):
//
//   viewer --WS /api/v1/sessions/:id/vnc?token=--> control plane          (VNC sessions)
//   browser --ANY /api/v1/http/:id/...--> control plane                    (HTTP sessions)
//   control plane --open_tunnel {tunnelId, target}--> agent (command queue)
//   agent --WS /api/v1/agents/tunnel?tunnel_id=--> control plane --> splice
//   agent <--unix socket / TCP--> Xvnc, or the session's web app
//
// The viewer's token is checked before anything reaches the session. The viewer's
// connection is parked, not yet answered, until the agent's tunnel arrives; the tunnel's
// coroutine then takes the viewer's socket onto its own strand and splices with
// backpressure (each direction reads only after the previous write finished), closing both
// ends together.
//
// VNC: the viewer's upgrade completes then, and binary frames pass both ways; client bytes
// go through an RFB filter that forces the shared flag (a new viewer never disconnects
// another) and can drop input events for view-only viewers.
// HTTP (spec 35, Selkies/Kasm/Guacamole-style web apps): the request is rewritten (the
// /api/v1/http/:id prefix and the token removed, one request per connection unless it is a
// WebSocket upgrade) and sent down the tunnel as raw bytes; the app's answer, and for an
// upgrade everything after it, comes back unchanged.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "areas/agents/agent_service.hpp"
#include "areas/sessions/session_service.hpp"
#include "net/websocket.hpp"
#include "net/worker_pool.hpp"

namespace sp::proxy {

class SessionProxy final : public sessions::ViewerCounter {
 public:
  SessionProxy(sessions::SessionService& sessions, agents::AgentService& agents,
               net::WorkerPool& workers);
  ~SessionProxy() override;

  net::WsEndpoint& viewer_endpoint();
  net::WsEndpoint& tunnel_endpoint();
  // ANY /api/v1/http/:id/*path (register as a takeover route).
  net::WsEndpoint& http_endpoint();
  int Viewers(const std::string& session_id) const override;
  // Closes parked viewers whose tunnel did not arrive in time (504). Call periodically.
  void ReapExpired();

  struct Pending;

 private:
  class ViewerEndpoint;
  class TunnelEndpoint;
  class HttpEndpoint;
  friend class ViewerEndpoint;
  friend class TunnelEndpoint;
  friend class HttpEndpoint;

  // Waits while the session is starting or waking; false (after answering an HTTP error on
  // `stream`) when it does not come up. Updates grant.session.
  net::asio::awaitable<bool> WaitRunning(net::beast::tcp_stream& stream,
                                         const net::BeastRequest& request,
                                         sessions::ViewerGrant& grant);
  // Detaches the viewer's socket into `pending` and asks the agent for a tunnel to `target`.
  net::asio::awaitable<void> ParkAndOpen(net::beast::tcp_stream& stream,
                                         std::shared_ptr<Pending> pending,
                                         const std::string& target);
  // The HTTP half of a tunnel: sends the rewritten request, then splices raw bytes.
  net::asio::awaitable<void> SpliceHttp(net::WsStream& tunnel, Pending& pending);
  void TouchThrottled(const std::string& session_id);
  std::unique_ptr<net::WsEndpoint> MakeHttpEndpoint();

  void Park(std::shared_ptr<Pending> pending);
  std::shared_ptr<Pending> Claim(const std::string& tunnel_id, const std::string& agent_id);
  bool Exists(const std::string& tunnel_id, const std::string& agent_id) const;
  void ViewerStarted(const std::string& session_id);
  void ViewerEnded(const std::string& session_id);

  sessions::SessionService& sessions_;
  agents::AgentService& agents_;
  net::WorkerPool& workers_;
  std::unique_ptr<ViewerEndpoint> viewer_;
  std::unique_ptr<TunnelEndpoint> tunnel_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Pending>> pending_;               // by tunnel id
  std::map<std::string, int> viewers_;                                    // by session id
  std::map<std::string, std::chrono::steady_clock::time_point> touched_;  // by session id
  std::unique_ptr<net::WsEndpoint> http_;                                 // an HttpEndpoint
};

// A viewer waiting for its tunnel: the socket is detached from its original strand.
struct SessionProxy::Pending {
  std::string tunnel_id;
  std::string agent_id;
  sessions::ViewerGrant grant;
  std::string client_ip;
  net::BeastRequest request;
  net::tcp::socket::native_handle_type fd = -1;
  bool v6 = false;
  std::chrono::steady_clock::time_point deadline;
  bool http = false;     // an HTTP proxy request rather than a VNC viewer
  std::string upstream;  // http: the rewritten request, as bytes for the app
  bool upgrade = false;  // http: a WebSocket upgrade (a long-lived viewer)
};

// Answers a plain HTTP error on a connection that was never upgraded, and shuts it.
net::asio::awaitable<void> RespondError(net::beast::tcp_stream& stream,
                                        const net::BeastRequest& request, const Error& error);

}  // namespace sp::proxy
