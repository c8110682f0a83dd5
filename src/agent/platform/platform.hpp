// Platform: what an agent drives to run sessions (local processes, Docker containers,
// Kubernetes pods). Every call blocks and is idempotent, because the agent applies each
// command once per command_id but a command may arrive again after a reconnect.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "protocol/session_spec.hpp"

namespace sp::agent {

// Everything needed to run one session (shared with the control plane).
using SessionSpec = protocol::SessionSpec;

// What a platform reports about one session it knows.
struct SessionStatus {
  std::string session_id;
  std::string state;  // running, hibernated, stopped, failed
  std::string details;
};

// Where the agent connects to reach a session's VNC or HTTP endpoint.
struct Endpoint {
  enum class Kind { kUnix, kTcp } kind = Kind::kUnix;
  std::string path;   // kUnix
  std::string host;   // kTcp
  uint16_t port = 0;  // kTcp
};

class Platform {
 public:
  virtual ~Platform() = default;
  virtual std::string Name() const = 0;

  // Starts the session and returns once its endpoint accepts connections. Starting a
  // session that already runs succeeds without side effects.
  virtual Status Start(const SessionSpec& spec) = 0;
  // Stops the session's processes, keeping its home. Succeeds if already stopped.
  virtual Status Hibernate(const std::string& session_id) = 0;
  // Starts a hibernated session again with the same home.
  virtual Status Wake(const SessionSpec& spec) = 0;
  // Stops the session and forgets its runtime state; the home directory stays.
  virtual Status Delete(const std::string& session_id) = 0;
  // The sessions this platform runs or holds hibernated, for the control plane's
  // reconciliation on every (re)connect.
  virtual std::vector<SessionStatus> List() = 0;
  // Sessions whose processes exited on their own since the last call.
  virtual std::vector<SessionStatus> CollectExited() = 0;
  // target: "vnc" or "http". kNotFound if the session does not run here.
  virtual Result<Endpoint> Resolve(const std::string& session_id, const std::string& target) = 0;
};

}  // namespace sp::agent
