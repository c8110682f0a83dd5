// TestServer starts the real `streamspace serve` binary on 127.0.0.1 with a fresh data
// directory (and, when SP_TEST_PG_URL names a PostgreSQL server, a fresh database in it),
// learns its port from the "listening" log line, and stops it at the end. Tests drive it
// over HTTP exactly as a client would.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "tests/support/http_client.hpp"

namespace sp::test {

struct TestServerOptions {
  std::vector<std::string> extra_args;     // e.g. {"--rate-limit", "2"}
  std::map<std::string, std::string> env;  // e.g. STREAMSPACE_ADMIN_PASSWORD
  bool rate_limit_off = true;              // most tests send bursts from one address
};

inline constexpr const char* kAdminPassword = "admin password 123";

class TestServer {
 public:
  explicit TestServer(TestServerOptions options = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  void Start();  // starts and waits until the server listens (throws on failure)
  int Stop();    // SIGTERM, waits; returns the exit status
  void Kill();   // SIGKILL, waits
  void Restart() {
    Stop();
    Start();
  }
  bool running() const { return pid_ > 0; }

  const HttpClient& http() const { return *client_; }
  uint16_t port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& database_url() const { return database_url_; }
  bool on_postgres() const { return !database_url_.empty(); }
  std::string Log() const;

  // Completes the setup wizard (admin password kAdminPassword) and returns an admin token.
  std::string SetupAndLoginAdmin();
  std::string Login(const std::string& username, const std::string& password);
  // Creates a user through the API as the given admin and returns its id.
  std::string CreateUser(const std::string& admin_token, const std::string& username,
                         const std::string& password, const std::string& role = "user");

 private:
  void WaitForListening();

  TestServerOptions options_;
  std::string root_;
  std::string data_dir_;
  std::string log_path_;
  std::string database_url_;
  std::string pg_admin_url_;
  std::string pg_database_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::optional<HttpClient> client_;
};

// A `streamspace agent` process dialling a TestServer (at http://127.0.0.1:<port>, unless
// extra_args name another --control-plane; on the local platform unless they name another
// --platform). Started by the constructor.
class AgentProcess {
 public:
  AgentProcess(uint16_t port, std::string agent_id, std::string key, std::string data_dir,
               std::vector<std::string> extra_args = {});
  ~AgentProcess();
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  void Start();
  void Kill();  // SIGKILL: the sessions it started keep running
  int Stop();   // SIGTERM
  bool running() const { return pid_ > 0; }
  std::string Log() const;
  void set_port(uint16_t port) { port_ = port; }

 private:
  uint16_t port_;
  std::string agent_id_, key_, data_dir_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
};

// Starts `args` (args[0] a path) with stdout and stderr going to `log_path` (truncated, or
// appended to) and `env` added to the environment; returns its pid. Throws if it cannot.
pid_t SpawnLogged(std::vector<std::string> args, const std::string& log_path, bool append,
                  const std::map<std::string, std::string>& env = {});

// Processes (any user) whose command line mentions `needle`: the session's sandbox, Xvnc
// and app all carry the session id in their arguments or environment paths.
std::vector<int> ProcessesMentioning(const std::string& needle);
// Stops every process mentioning `needle` (test cleanup of sessions).
void KillProcessesMentioning(const std::string& needle);

}  // namespace sp::test
