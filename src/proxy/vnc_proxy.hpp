// The VNC path through the control plane (DESIGN.md, Tunnels):
//
//   viewer --WS /api/v1/sessions/:id/vnc?token=--> control plane
//   control plane --open_tunnel {tunnelId}--> agent (command queue)
//   agent --WS /api/v1/agents/tunnel?tunnel_id=--> control plane --> splice
//   agent <--unix socket / TCP--> Xvnc of the session
//
// The viewer's token is checked before anything reaches the session. The viewer's
// connection is parked, not yet upgraded, until the agent's tunnel arrives; the tunnel's
// coroutine then takes the viewer's socket onto its own strand, completes the viewer's
// upgrade and splices binary frames both ways with backpressure (each direction reads only
// after the previous write finished), closing both ends together. Client-to-server bytes
// pass through an RFB filter that forces the shared flag (a new viewer never disconnects
// another) and can drop input events for view-only viewers.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "areas/agents/agent_service.hpp"
#include "areas/sessions/session_service.hpp"
#include "net/websocket.hpp"
#include "net/worker_pool.hpp"

namespace sp::proxy {

class VncProxy final : public sessions::ViewerCounter {
 public:
  VncProxy(sessions::SessionService& sessions, agents::AgentService& agents,
           net::WorkerPool& workers);
  ~VncProxy() override;

  net::WsEndpoint& viewer_endpoint();
  net::WsEndpoint& tunnel_endpoint();
  int Viewers(const std::string& session_id) const override;
  // Closes parked viewers whose tunnel did not arrive in time (504). Call periodically.
  void ReapExpired();

  struct Pending;

 private:
  class ViewerEndpoint;
  class TunnelEndpoint;
  friend class ViewerEndpoint;
  friend class TunnelEndpoint;

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
  std::map<std::string, std::shared_ptr<Pending>> pending_;  // by tunnel id
  std::map<std::string, int> viewers_;                       // by session id
};

}  // namespace sp::proxy
