// LocalPlatform runs each session on this machine: TigerVNC's Xvnc plus the template's app,
// inside a bubblewrap sandbox (own pid, network and IPC namespaces), with a persistent home
// under the agent's data directory. Xvnc listens only on a unix socket in the session's
// runtime directory, so only the agent (who owns that directory) can reach it.
//
// Layout under data_dir:
//   homes/<home_key>/             persistent home, 0700, mounted at /home/streamspace
//   sessions/<session_id>/        runtime dir, 0700, only the agent writes here
//     vnc.sock                    Xvnc's RFB socket while the session runs (a hard link)
//     session.json                pid, start time, state and a summary of the spec
//     session.log                 stdout and stderr of bwrap, Xvnc and the app
//     home/                       the home when spec.persistent_home is false
//     run/                        mounted at /run/streamspace, writable by the session:
//                                 Xvnc's socket, display number, the app's exit_status
// The session can write only to its home and run/, so it cannot turn a file the agent
// writes or trusts (session.json, session.log, vnc.sock) into a link elsewhere.
//
// Sessions run in their own process session (setsid), so they survive an agent restart: a
// new LocalPlatform over the same data_dir re-adopts them from session.json. Only one agent
// may use a data_dir at a time.
//
// Resource limits: cpu_millicores and memory_mib are NOT enforced on the local platform.
// RLIMIT_AS is useless for browsers (firefox reserves far more virtual memory than it uses)
// and real limits need a delegated cgroup, which a laptop agent usually does not have.
//
// Without a sandbox (options.sandbox = false, for hosts without user namespaces) the same
// launcher runs directly: the session still gets a private runtime dir, its own home and its
// own X display, but it shares the agent's filesystem view, network and pid namespace.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "agent/platform/platform.hpp"

namespace sp::agent {

struct LocalPlatformOptions {
  std::string data_dir;  // root for this agent's state
  std::string xvnc = "Xvnc";
  std::string bwrap = "bwrap";
  std::string socat = "socat";  // bridges http sessions' port to a unix socket
  bool sandbox = true;
};

class LocalPlatform final : public Platform {
 public:
  // Creates data_dir/homes and data_dir/sessions if needed and re-adopts the sessions found
  // there. Throws std::invalid_argument if data_dir is empty and std::filesystem's
  // filesystem_error if it cannot be created (the agent fails fast at startup).
  explicit LocalPlatform(LocalPlatformOptions options);
  // Leaves the sessions running: they belong to the control plane, not to this process.
  ~LocalPlatform() override;
  LocalPlatform(const LocalPlatform&) = delete;
  LocalPlatform& operator=(const LocalPlatform&) = delete;

  std::string Name() const override { return "local"; }
  Status Start(const SessionSpec& spec) override;
  Status Hibernate(const std::string& session_id) override;
  Status Wake(const SessionSpec& spec) override;
  Status Delete(const std::string& session_id) override;
  std::vector<SessionStatus> List() override;
  std::vector<SessionStatus> CollectExited() override;
  // "vnc": the unix socket of a running session. "http" is not supported locally: the app
  // would listen inside the session's network namespace, which the agent cannot reach.
  Result<Endpoint> Resolve(const std::string& session_id, const std::string& target) override;

 private:
  struct Entry;
  using EntryPtr = std::shared_ptr<Entry>;

  std::string RuntimeDir(const std::string& session_id) const;
  // Returns the entry with its operation lock held, loading it from disk if needed; null if
  // the session is unknown and create is false.
  std::pair<EntryPtr, std::unique_lock<std::mutex>> LockEntry(const std::string& session_id,
                                                              bool create);
  Status StartLocked(Entry& entry, const SessionSpec& spec);
  Status StopProcesses(Entry& entry);
  Status WaitReady(Entry& entry, const std::string& protocol);
  bool WaitGroupGone(Entry& entry, int signal);

  // The *Locked functions require mutex_.
  EntryPtr FindOrLoadLocked(const std::string& session_id, bool create);
  void ScanDiskLocked();
  bool AliveLocked(Entry& entry);
  bool GroupExistsLocked(Entry& entry);
  void SignalGroupLocked(Entry& entry, int signal);
  void PersistLocked(const Entry& entry);
  SessionStatus ExitStatusLocked(Entry& entry);

  const LocalPlatformOptions options_;
  const std::string boot_id_;  // stored with each pid: after a reboot pids mean nothing
  std::mutex mutex_;           // guards sessions_ and the fields of every Entry except its op mutex
  std::map<std::string, EntryPtr> sessions_;
};

}  // namespace sp::agent
