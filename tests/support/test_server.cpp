#include "tests/support/test_server.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/database.hpp"

#ifndef SP_STREAMSPACE_BIN
#error "SP_STREAMSPACE_BIN must name the streamspace binary"
#endif

namespace sp::test {
namespace {

std::string RandomSuffix() {
  std::random_device rd;
  std::ostringstream s;
  s << std::hex << rd() << rd();
  return s.str();
}

// postgresql://user@host:port/db -> the same URL naming another database.
std::string WithDatabase(const std::string& url, const std::string& db) {
  const size_t scheme = url.find("://") + 3;
  const size_t slash = url.find('/', scheme);
  const size_t query = url.find('?', scheme);
  const std::string base = url.substr(0, std::min(slash, query));
  const std::string tail = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + db + tail;
}

}  // namespace

pid_t SpawnLogged(std::vector<std::string> args, const std::string& log_path, bool append,
                  const std::map<std::string, std::string>& env) {
  const int log_fd = ::open(log_path.c_str(),
                            O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0600);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log_path);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  return pid;
}

TestServer::TestServer(TestServerOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/sp-it-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = tmpl;
  data_dir_ = root_ + "/data";
  log_path_ = root_ + "/server.log";
  if (const char* pg = std::getenv("SP_TEST_PG_URL"); pg != nullptr && *pg != '\0') {
    pg_admin_url_ = pg;
    pg_database_ = "sp_test_" + RandomSuffix();
    soci::session admin(*soci::factory_postgresql(), *db::PostgresConnectString(pg_admin_url_));
    admin << "CREATE DATABASE " + pg_database_;
    database_url_ = WithDatabase(pg_admin_url_, pg_database_);
  }
  Start();
}

TestServer::~TestServer() {
  if (pid_ > 0) Kill();
  KillProcessesMentioning(root_);  // sessions outlive their agent on purpose
  if (!pg_database_.empty()) {
    try {
      soci::session admin(*soci::factory_postgresql(), *db::PostgresConnectString(pg_admin_url_));
      admin << "DROP DATABASE IF EXISTS " + pg_database_ + " WITH (FORCE)";
    } catch (...) {
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

void TestServer::Start() {
  if (pid_ > 0) throw std::logic_error("server already running");
  std::vector<std::string> args = {SP_STREAMSPACE_BIN, "serve",   "--listen",    "127.0.0.1:0",
                                   "--data-dir",       data_dir_, "--log-level", "info"};
  if (!database_url_.empty()) {
    args.push_back("--database");
    args.push_back(database_url_);
  }
  if (options_.rate_limit_off) {
    args.push_back("--rate-limit");
    args.push_back("0");
  }
  for (const auto& a : options_.extra_args) args.push_back(a);
  // Truncate the log: the "listening" line of this start is the one to wait for.
  pid_ = SpawnLogged(std::move(args), log_path_, /*append=*/false, options_.env);
  WaitForListening();
  client_.emplace(port_);
}

std::string TestServer::Log() const {
  std::ifstream in(log_path_);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void TestServer::WaitForListening() {
  // A generous bound for a slow sanitizer build; a healthy server answers in milliseconds.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < give_up) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("server exited during start-up:\n" + Log());
    }
    const std::string log = Log();
    const std::string marker = "listening address=127.0.0.1:";
    if (size_t pos = log.find(marker); pos != std::string::npos) {
      port_ = static_cast<uint16_t>(std::stoi(log.substr(pos + marker.size())));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  throw std::runtime_error("server did not start listening:\n" + Log());
}

int TestServer::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void TestServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string TestServer::SetupAndLoginAdmin() {
  auto r = http().Post("/api/v1/auth/setup", {{"password", kAdminPassword},
                                              {"passwordConfirm", kAdminPassword},
                                              {"email", "admin@example.com"}});
  if (r.status != 200 && r.status != 403) {
    throw std::runtime_error("setup failed: " + std::to_string(r.status) + " " + r.body);
  }
  return Login("admin", kAdminPassword);
}

std::string TestServer::Login(const std::string& username, const std::string& password) {
  auto r = http().Post("/api/v1/auth/login", {{"username", username}, {"password", password}});
  if (r.status != 200) {
    throw std::runtime_error("login failed: " + std::to_string(r.status) + " " + r.body);
  }
  return r.Json()["token"].get<std::string>();
}

std::string TestServer::CreateUser(const std::string& admin_token, const std::string& username,
                                   const std::string& password, const std::string& role) {
  auto r = http().Post("/api/v1/users",
                       {{"username", username},
                        {"email", username + "@example.com"},
                        {"fullName", "Test " + username},
                        {"password", password},
                        {"role", role}},
                       admin_token);
  if (r.status != 201) {
    throw std::runtime_error("create user failed: " + std::to_string(r.status) + " " + r.body);
  }
  return r.Json()["id"].get<std::string>();
}

AgentProcess::AgentProcess(uint16_t port, std::string agent_id, std::string key,
                           std::string data_dir, std::vector<std::string> extra_args)
    : port_(port),
      agent_id_(std::move(agent_id)),
      key_(std::move(key)),
      data_dir_(std::move(data_dir)),
      extra_args_(std::move(extra_args)) {
  Start();
}

AgentProcess::~AgentProcess() { Kill(); }

void AgentProcess::Start() {
  if (pid_ > 0) return;
  std::filesystem::create_directories(data_dir_);
  std::vector<std::string> args = {SP_STREAMSPACE_BIN, "agent",   "--agent-id",           agent_id_,
                                   "--data-dir",       data_dir_, "--heartbeat-interval", "1"};
  if (std::find(extra_args_.begin(), extra_args_.end(), "--platform") == extra_args_.end()) {
    args.insert(args.end(), {"--platform", "local"});
  }
  if (std::find(extra_args_.begin(), extra_args_.end(), "--control-plane") == extra_args_.end()) {
    args.insert(args.end(), {"--control-plane", "http://127.0.0.1:" + std::to_string(port_)});
  }
  for (const auto& a : extra_args_) args.push_back(a);
  // Appended to: a restarted agent's log follows the last one's.
  pid_ = SpawnLogged(std::move(args), data_dir_ + "/agent.log", /*append=*/true,
                     {{"STREAMSPACE_AGENT_KEY", key_}});
}

void AgentProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int AgentProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string AgentProcess::Log() const {
  std::ifstream in(data_dir_ + "/agent.log");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

// Reads a /proc file; empty when the process is gone (a read of a vanished process fails
// with ESRCH, which iostreams turn into an exception).
std::string ReadProcFile(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

std::vector<int> ProcessesMentioning(const std::string& needle) {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string cmdline = ReadProcFile(entry.path() / "cmdline");
    if (cmdline.find(needle) != std::string::npos && std::stoi(name) != ::getpid()) {
      out.push_back(std::stoi(name));
    }
  }
  return out;
}

void KillProcessesMentioning(const std::string& needle) {
  // The matches and all their descendants (sandboxed apps run under a new session).
  std::map<int, std::vector<int>> children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = ReadProcFile(entry.path() / "stat");
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    int ppid = 0;
    rest >> state >> ppid;
    children[ppid].push_back(std::stoi(name));
  }
  std::vector<int> todo = ProcessesMentioning(needle);
  std::set<int> all;
  while (!todo.empty()) {
    const int pid = todo.back();
    todo.pop_back();
    if (!all.insert(pid).second) continue;
    for (int child : children[pid]) todo.push_back(child);
  }
  for (int pid : all) ::kill(pid, SIGKILL);
}

}  // namespace sp::test
