#include "agent/platform/local_platform.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/platform/endpoint_probe.hpp"
#include "agent/platform/spec_text.hpp"
#include "agent/platform/xvnc.hpp"
#include "common/file_text.hpp"

namespace sp::agent {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kReadyTimeout = std::chrono::seconds(10);
constexpr auto kTermTimeout = std::chrono::seconds(5);
constexpr auto kKillTimeout = std::chrono::seconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr std::string_view kSandboxHome = "/home/streamspace";
constexpr std::string_view kSandboxRun = "/run/streamspace";
constexpr std::string_view kPath = "/usr/local/bin:/usr/bin:/bin";
constexpr off_t kMaxLogBytes = off_t{1} << 20;  // session.log starts over beyond this
constexpr size_t kLogTailLines = 15;

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

Status ValidateSpec(const SessionSpec& spec) {
  if (!IsSafeName(spec.session_id)) {
    return Fail(
        Errc::kInvalidArgument,
        "session_id: must be 1-128 characters of A-Z a-z 0-9 . _ - not starting with a dot");
  }
  if (spec.command.empty() || spec.command.front().empty()) {
    return Fail(Errc::kInvalidArgument, "command: the local platform needs the app's argv");
  }
  for (const auto& arg : spec.command) {
    if (HasNul(arg)) return Fail(Errc::kInvalidArgument, "command: contains a NUL character");
  }
  if (spec.width < 16 || spec.width > 8192 || spec.height < 16 || spec.height > 8192) {
    return Fail(Errc::kInvalidArgument, "width, height: must be between 16 and 8192");
  }
  for (const auto& [name, value] : spec.env) {
    if (!IsEnvName(name)) return Fail(Errc::kInvalidArgument, "env: invalid variable name " + name);
    if (HasNul(value)) return Fail(Errc::kInvalidArgument, "env: " + name + " contains a NUL");
  }
  if (HasNul(spec.username)) return Fail(Errc::kInvalidArgument, "username: contains a NUL");
  if (spec.protocol != "vnc" && spec.protocol != "http") {
    return Fail(Errc::kInvalidArgument, "protocol: must be vnc or http");
  }
  if (spec.protocol == "http" && (spec.http_port < 1 || spec.http_port > 65535)) {
    return Fail(Errc::kInvalidArgument, "httpPort: an http session needs its app's port (1-65535)");
  }
  return Ok();
}

// homes/<home_key>, where home_key is "<user_id>/<template_name>": every component must be a
// plain directory name so that no key escapes homes/.
Result<std::string> HomeKeyPath(const SessionSpec& spec) {
  std::string key = spec.home_key;
  if (key.empty()) {
    if (spec.user_id.empty() || spec.template_name.empty()) {
      return Fail(Errc::kInvalidArgument, "home_key: required for a persistent home");
    }
    key = spec.user_id + "/" + spec.template_name;
  }
  std::string_view rest = key;
  while (true) {
    const size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    if (part.empty() || part == "." || part == ".." || HasNul(part) || part.size() > 200) {
      return Fail(Errc::kInvalidArgument, "home_key: each /-separated part must be a plain name");
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return key;
}

// Creates base/rel and every missing directory between them with mode 0700.
Status MakePrivateDirs(const std::string& base, const std::string& rel) {
  std::string path = base;
  std::string_view rest = rel;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    path += "/";
    path += rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return Fail(Errc::kInternal, "cannot create a session directory",
                  "mkdir " + path + ": " + ErrnoText(errno));
    }
  }
  return Ok();
}

Status WriteFileAtomic(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(Errc::kInternal, "cannot write session state", tmp + ": " + ErrnoText(errno));
  }
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return Fail(Errc::kInternal, "cannot write session state", tmp + ": " + ErrnoText(err));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Fail(Errc::kInternal, "cannot write session state", path + ": " + ErrnoText(errno));
  }
  return Ok();
}

// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot) tells a process from a
// later one that got the same pid. state receives field 3 (R, S, Z, ...).
std::optional<uint64_t> ProcStartTicks(pid_t pid, char* state = nullptr) {
  const auto stat = ReadSmallFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return std::nullopt;
  const size_t paren = stat->rfind(')');  // comm may contain spaces and parentheses
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(stat->substr(paren + 1));
  std::string field;
  for (int index = 3; index <= 22 && fields >> field; ++index) {
    if (index == 3 && state != nullptr) *state = field.empty() ? '?' : field.front();
    if (index == 22) return std::strtoull(field.c_str(), nullptr, 10);
  }
  return std::nullopt;
}

// The processes of a process group that have not exited yet (zombies do not count: their
// parent, possibly init, reaps them in its own time).
std::vector<pid_t> LiveGroupMembers(pid_t pgid) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& item : fs::directory_iterator("/proc", ec)) {
    const std::string name = item.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto stat = ReadSmallFile("/proc/" + name + "/stat");
    const size_t paren = stat ? stat->rfind(')') : std::string::npos;
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat->substr(paren + 1));
    std::string state;
    long ppid = 0;
    long pgrp = 0;
    if (!(fields >> state >> ppid >> pgrp) || pgrp != pgid) continue;
    if (state != "Z" && state != "X") out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

// The socket the agent reaches a session through: Xvnc's, or the HTTP bridge's.
std::string SocketName(std::string_view protocol) {
  return protocol == "http" ? "http.sock" : "vnc.sock";
}

// Xvnc creates its socket in run/, where the sandboxed app could swap it for a symlink to any
// socket of the host. The agent therefore connects through a hard link in the session's own
// directory, checked to be a socket (linkat without AT_SYMLINK_FOLLOW links a symlink itself,
// never its target).
bool PublishSocket(const std::string& session_dir, const std::string& name) {
  const std::string inner = session_dir + "/run/" + name;
  const std::string outer = session_dir + "/" + name;
  const std::string tmp = outer + ".tmp";
  struct stat st {};
  if (::lstat(inner.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  ::unlink(tmp.c_str());
  if (::linkat(AT_FDCWD, inner.c_str(), AT_FDCWD, tmp.c_str(), 0) != 0) return false;
  if (::lstat(tmp.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode) ||
      ::rename(tmp.c_str(), outer.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

// Reads a small decimal number from a file the sandbox may have tampered with: no symlinks,
// no FIFOs, at most 32 bytes.
std::optional<std::string> ReadUntrustedNumber(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  char buf[32];
  ssize_t n = -1;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) n = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

std::string LogTail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = std::max<std::streamoff>(0, size - 4096);
  in.seekg(start);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  size_t pos = text.size();
  for (size_t lines = 0; lines < kLogTailLines && pos != std::string::npos && pos > 0; ++lines) {
    pos = text.rfind('\n', pos - 1);
  }
  return pos == std::string::npos ? text : text.substr(pos + 1);
}

// The shell script that runs inside the session: Xvnc, then (once its display is up) the app;
// when the app exits Xvnc is stopped and the app's exit code becomes the session's. run_dir is
// the runtime dir as the script sees it. display is ":1" in the sandbox; without one, Xvnc
// picks a free display and reports it through -displayfd.
std::string Launcher(const LocalPlatformOptions& options, const SessionSpec& spec,
                     const std::string& run_dir, const std::string& display) {
  std::string app;
  for (const auto& arg : spec.command) {
    if (!app.empty()) app += ' ';
    app += ShellQuote(arg);
  }
  std::string script;
  if (spec.protocol == "http") {
    // A web app (Selkies-, Kasm- or Guacamole-style) listening on its port inside the
    // session's own network namespace; socat bridges a unix socket only the agent can open
    // to it, as Xvnc's socket does for VNC sessions.
    script += "R=" + ShellQuote(run_dir) + "\n";
    script += "rm -f \"$R/exit_status\" \"$R/http.sock\"\n";
    script += ShellQuote(options.socat) +
              " UNIX-LISTEN:\"$R/http.sock\",fork,mode=600 TCP:127.0.0.1:" +
              std::to_string(spec.http_port) + " &\n";
    script += "bridge=$!\n";
    script += "app=\n";
    script += "trap 'kill -TERM $app $bridge 2>/dev/null; wait; exit 143' TERM INT HUP\n";
    script += "(\n";
    script += "  if [ -f \"$R/env.sh\" ]; then . \"$R/env.sh\"; rm -f \"$R/env.sh\"; fi\n";
    script += "  PORT=" + std::to_string(spec.http_port) + "; export PORT\n";
    script += "  exec " + app + "\n";
    script += ") &\n";
    script += "app=$!\n";
    script += "wait \"$app\"\n";
    script += "status=$?\n";
    script += "kill -TERM \"$bridge\" 2>/dev/null\n";
    script += "wait \"$bridge\"\n";
    script += "echo \"$status\" >\"$R/exit_status\"\n";
    script += "exit \"$status\"\n";
    return script;
  }
  script += "R=" + ShellQuote(run_dir) + "\n";
  script += "rm -f \"$R/display\" \"$R/exit_status\" \"$R/vnc.sock\"\n";
  script += ShellQuote(options.xvnc) + (display.empty() ? "" : " " + display) +
            " -displayfd 3 -rfbunixpath \"$R/vnc.sock\" -rfbunixmode 0600 -rfbport -1"
            " " +
            kXvncOptions + " -geometry " + std::to_string(spec.width) + "x" +
            std::to_string(spec.height) + " -desktop " + ShellQuote(spec.session_id) +
            " 3>\"$R/display\" &\n";
  script += "xvnc=$!\n";
  script += "app=\n";
  script += "trap 'kill -TERM $app $xvnc 2>/dev/null; wait; exit 143' TERM INT HUP\n";
  script += "while [ ! -s \"$R/display\" ]; do\n";
  script += "  if ! kill -0 \"$xvnc\" 2>/dev/null; then\n";
  script += "    echo 'streamspace: Xvnc exited before its display was ready' >&2\n";
  script += "    echo 1 >\"$R/exit_status\"; exit 1\n";
  script += "  fi\n";
  script += "  sleep 0.05\n";
  script += "done\n";
  script += "d=$(cat \"$R/display\")\n";
  // The app's environment comes from a 0600 file rather than from this script, whose text
  // every local user can read in /proc/<pid>/cmdline.
  script += "(\n";
  script += "  if [ -f \"$R/env.sh\" ]; then . \"$R/env.sh\"; rm -f \"$R/env.sh\"; fi\n";
  script += "  DISPLAY=\":$d\"; export DISPLAY\n";
  script += "  exec " + app + "\n";
  script += ") &\n";
  script += "app=$!\n";
  script += "wait \"$app\"\n";
  script += "status=$?\n";
  script += "kill -TERM \"$xvnc\" 2>/dev/null\n";
  script += "wait \"$xvnc\"\n";
  script += "echo \"$status\" >\"$R/exit_status\"\n";
  script += "exit \"$status\"\n";
  return script;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Starts argv[0] (looked up in PATH) as the leader of a new session and process group, with
// stdin from /dev/null, stdout and stderr to log_fd, no other descriptors and default signal
// handling.
Result<pid_t> Spawn(std::vector<std::string> argv, std::vector<std::string> env,
                    const std::string& cwd, int log_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  auto c_argv = CStrings(argv);
  auto c_env = CStrings(env);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, c_argv[0], &actions, &attr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) {
    return Fail(Errc::kUnavailable, "cannot start " + argv[0] + ": " + ErrnoText(err));
  }
  return pid;
}

void SleepPoll() { std::this_thread::sleep_for(kPollInterval); }

}  // namespace

struct LocalPlatform::Entry {
  std::mutex op;  // serializes Start/Hibernate/Delete of this session; taken before mutex_

  // Guarded by LocalPlatform::mutex_.
  bool removed = false;  // deleted: whoever waited for op must look the session up again
  bool starting = false;
  std::string id;
  std::string state = "stopped";  // running, hibernated, stopped, failed
  std::string details;
  pid_t pid = 0;  // leader of the session's process group: bwrap, or sh without a sandbox
  uint64_t start_ticks = 0;
  std::optional<int> wait_status;  // set once this process reaped the leader
  bool sandbox = true;
  std::string home;
  nlohmann::json spec = nlohmann::json::object();  // a summary; env values are left out
};

LocalPlatform::LocalPlatform(LocalPlatformOptions options)
    : options_([&] {
        if (options.data_dir.empty()) {
          throw std::invalid_argument("local platform: data_dir is empty");
        }
        std::error_code ec;
        const fs::path absolute = fs::absolute(options.data_dir, ec);
        if (!ec) options.data_dir = absolute.lexically_normal().string();
        while (options.data_dir.size() > 1 && options.data_dir.back() == '/') {
          options.data_dir.pop_back();
        }
        return std::move(options);
      }()),
      boot_id_(ReadSmallFile("/proc/sys/kernel/random/boot_id").value_or("")) {
  for (const char* sub : {"homes", "sessions"}) {
    fs::create_directories(fs::path(options_.data_dir) / sub);
    ::chmod((options_.data_dir + "/" + sub).c_str(), 0700);
  }
  std::lock_guard lock(mutex_);
  ScanDiskLocked();
  size_t running = 0;
  for (auto& [id, entry] : sessions_) {
    if (entry->state == "running" && AliveLocked(*entry)) ++running;
  }
  spdlog::info("local platform ready data_dir={} sandbox={} sessions={} running={}",
               options_.data_dir, options_.sandbox, sessions_.size(), running);
}

LocalPlatform::~LocalPlatform() = default;

std::string LocalPlatform::RuntimeDir(const std::string& session_id) const {
  return options_.data_dir + "/sessions/" + session_id;
}

LocalPlatform::EntryPtr LocalPlatform::FindOrLoadLocked(const std::string& session_id,
                                                        bool create) {
  if (auto it = sessions_.find(session_id); it != sessions_.end()) return it->second;
  const std::string dir = RuntimeDir(session_id);
  struct stat st {};
  const bool on_disk = ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  if (!on_disk && !create) return nullptr;
  auto entry = std::make_shared<Entry>();
  entry->id = session_id;
  entry->sandbox = options_.sandbox;
  if (on_disk) {
    const auto text = ReadSmallFile(dir + "/session.json");
    const auto json = nlohmann::json::parse(text.value_or(""), nullptr, false);
    if (json.is_object()) {
      entry->state = json.value("state", "stopped");
      entry->details = json.value("details", "");
      // A pid from before a reboot names nothing of ours.
      if (json.value("boot_id", "") == boot_id_) {
        entry->pid = json.value("pid", 0);
        entry->start_ticks = json.value("start_ticks", uint64_t{0});
      }
      entry->sandbox = json.value("sandbox", options_.sandbox);
      entry->home = json.value("home", "");
      if (auto it = json.find("spec"); it != json.end()) entry->spec = *it;
    } else {
      entry->state = "stopped";
      entry->details = "no readable session.json";
    }
  }
  sessions_.emplace(session_id, entry);
  return entry;
}

void LocalPlatform::ScanDiskLocked() {
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(options_.data_dir + "/sessions", ec)) {
    const std::string name = item.path().filename().string();
    if (IsSafeName(name) && item.is_directory(ec)) FindOrLoadLocked(name, false);
  }
}

std::pair<LocalPlatform::EntryPtr, std::unique_lock<std::mutex>> LocalPlatform::LockEntry(
    const std::string& session_id, bool create) {
  while (true) {
    EntryPtr entry;
    {
      std::lock_guard lock(mutex_);
      entry = FindOrLoadLocked(session_id, create);
    }
    if (!entry) return {};
    std::unique_lock op(entry->op);
    std::lock_guard lock(mutex_);
    if (!entry->removed) return {std::move(entry), std::move(op)};
  }
}

bool LocalPlatform::AliveLocked(Entry& entry) {
  if (entry.pid <= 0 || entry.wait_status) return false;
  char state = '?';
  const auto ticks = ProcStartTicks(entry.pid, &state);
  if (!ticks || *ticks != entry.start_ticks) return false;  // gone, or the pid was reused
  int status = 0;
  const pid_t reaped = ::waitpid(entry.pid, &status, WNOHANG);
  if (reaped == entry.pid) {
    entry.wait_status = status;
    return false;
  }
  if (reaped == 0) return true;  // our child, still running
  // Not our child (re-adopted after a restart): a zombie is dead, its parent reaps it.
  return state != 'Z' && state != 'X';
}

// Whether any process of the session's group is left. The kernel does not hand out a pid
// that is still some group's id, so while the group exists its id cannot be a stranger's.
bool LocalPlatform::GroupExistsLocked(Entry& entry) {
  if (entry.pid <= 0) return false;
  if (AliveLocked(entry)) return true;
  const auto ticks = ProcStartTicks(entry.pid);
  if (ticks && *ticks != entry.start_ticks) return false;  // the pid now names someone else
  return !LiveGroupMembers(entry.pid).empty();
}

// SIGTERM spares the sandbox's bwrap (the group leader): it would die at once and leave the
// launcher to init. Instead the launcher exits, bwrap reaps it and exits, and we reap bwrap.
void LocalPlatform::SignalGroupLocked(Entry& entry, int signal) {
  if (signal != SIGTERM || !entry.sandbox) {
    ::killpg(entry.pid, signal);
    return;
  }
  for (pid_t pid : LiveGroupMembers(entry.pid)) {
    if (pid != entry.pid) ::kill(pid, signal);
  }
}

void LocalPlatform::PersistLocked(const Entry& entry) {
  const nlohmann::json json = {{"session_id", entry.id},
                               {"state", entry.state},
                               {"details", entry.details},
                               {"pid", entry.pid},
                               {"start_ticks", entry.start_ticks},
                               {"boot_id", boot_id_},
                               {"sandbox", entry.sandbox},
                               {"home", entry.home},
                               {"spec", entry.spec}};
  const std::string path = RuntimeDir(entry.id) + "/session.json";
  if (auto written = WriteFileAtomic(path, json.dump(2) + "\n"); !written) {
    spdlog::error("local session state not saved session_id={} error={}", entry.id,
                  written.error().internal);
  }
}

// For a session whose processes are gone: stopped when the app exited with 0, failed
// otherwise (with the end of session.log).
SessionStatus LocalPlatform::ExitStatusLocked(Entry& entry) {
  const std::string dir = RuntimeDir(entry.id);
  std::optional<int> code;
  std::optional<int> signal;
  if (entry.wait_status && WIFEXITED(*entry.wait_status)) code = WEXITSTATUS(*entry.wait_status);
  if (entry.wait_status && WIFSIGNALED(*entry.wait_status)) signal = WTERMSIG(*entry.wait_status);
  if (!code && !signal) {
    if (auto text = ReadUntrustedNumber(dir + "/run/exit_status")) {
      char* end = nullptr;
      const long value = std::strtol(text->c_str(), &end, 10);
      if (end != text->c_str()) code = static_cast<int>(value);
    }
  }
  SessionStatus status{entry.id, "stopped", ""};
  if (code && *code == 0) {
    status.details = "app exited";
  } else if (!code && !signal) {
    status.details = "session processes exited; exit status unknown";
  } else {
    status.state = "failed";
    status.details = code ? "app exited with code " + std::to_string(*code)
                          : "session killed by signal " + std::to_string(*signal);
    const std::string tail = LogTail(dir + "/session.log");
    if (!tail.empty()) status.details += "; session.log:\n" + tail;
  }
  return status;
}

Status LocalPlatform::Start(const SessionSpec& spec) {
  if (auto valid = ValidateSpec(spec); !valid) return valid;
  auto [entry, op] = LockEntry(spec.session_id, true);
  return StartLocked(*entry, spec);
}

Status LocalPlatform::Wake(const SessionSpec& spec) { return Start(spec); }

Status LocalPlatform::StartLocked(Entry& entry, const SessionSpec& spec) {
  const std::string run_dir = RuntimeDir(spec.session_id);
  const std::string shared_dir = run_dir + "/run";
  const std::string socket_path = run_dir + "/" + SocketName(spec.protocol);
  const std::string log_path = run_dir + "/session.log";
  bool leftovers = false;
  {
    std::lock_guard lock(mutex_);
    if (AliveLocked(entry)) return Ok();
    leftovers = GroupExistsLocked(entry);
  }
  if (leftovers) {  // processes of an earlier run that outlived its launcher
    if (auto stopped = StopProcesses(entry); !stopped) return stopped;
  }
  if (socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Fail(Errc::kFailedPrecondition, "the agent's data_dir path is too long for a socket",
                socket_path);
  }
  std::string home;
  if (spec.persistent_home) {
    auto key = HomeKeyPath(spec);
    if (!key) return Fail(key.error());
    if (auto made = MakePrivateDirs(options_.data_dir, "homes/" + *key); !made) return made;
    home = options_.data_dir + "/homes/" + *key;
  } else {
    home = run_dir + "/home";  // goes away with Delete
  }
  if (auto made = MakePrivateDirs(options_.data_dir, "sessions/" + spec.session_id); !made) {
    return made;
  }
  if (!spec.persistent_home) {
    if (auto made = MakePrivateDirs(run_dir, "home"); !made) return made;
  }
  // run/ is writable inside the sandbox: start it afresh (nothing runs now), so that no link
  // planted there by an earlier run can redirect what the agent writes.
  ::unlink(socket_path.c_str());
  std::error_code ec;
  fs::remove_all(shared_dir, ec);
  if (ec || ::mkdir(shared_dir.c_str(), 0700) != 0) {
    return Fail(Errc::kInternal, "cannot create the session's runtime directory",
                shared_dir + ": " + (ec ? ec.message() : ErrnoText(errno)));
  }
  if (!spec.env.empty()) {
    std::string env_script;
    for (const auto& [name, value] : spec.env) {
      env_script += "export " + name + "=" + ShellQuote(value) + "\n";
    }
    if (auto written = WriteFileAtomic(shared_dir + "/env.sh", env_script); !written) {
      return written;
    }
  }

  struct stat log_stat {};
  const bool log_too_big =
      ::stat(log_path.c_str(), &log_stat) == 0 && log_stat.st_size > kMaxLogBytes;
  const int log_fd =
      ::open(log_path.c_str(),
             O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (log_too_big ? O_TRUNC : 0), 0600);
  if (log_fd < 0) {
    return Fail(Errc::kInternal, "cannot open the session log", log_path + ": " + ErrnoText(errno));
  }
  const std::string banner = "streamspace: starting session " + spec.session_id + "\n";
  [[maybe_unused]] const ssize_t banner_written = ::write(log_fd, banner.data(), banner.size());

  const std::string username = spec.username.empty() ? "user" : spec.username;
  std::vector<std::string> env = {"PATH=" + std::string(kPath), "LANG=C.UTF-8"};
  std::vector<std::string> argv;
  std::string cwd;
  if (options_.sandbox) {
    // No --die-with-parent: sessions outlive the agent. No --new-session either: the
    // sandbox must stay in the process group that setsid() gave bwrap, so that Hibernate
    // can signal all of it; without a controlling terminal (setsid) and with stdin from
    // /dev/null there is no terminal for TIOCSTI, which is what --new-session guards.
    // --as-pid-1 makes the launcher the namespace's init: bwrap then waits for it itself,
    // where bwrap's own init would be left for the host's init to reap (slowly, or never
    // when the agent is pid 1 of a container). The launcher traps TERM, as init must.
    argv = {options_.bwrap, "--ro-bind", "/",       "/",    "--dev",   "/dev",
            "--proc",       "/proc",     "--tmpfs", "/tmp", "--tmpfs", "/run"};
    // Hide other users' homes, the agent's own home and every other session's state.
    std::vector<std::string> hidden = {"/home", "/root"};
    if (const char* agent_home = std::getenv("HOME")) hidden.emplace_back(agent_home);
    hidden.push_back(options_.data_dir);
    for (const auto& path : hidden) {
      struct stat st {};
      if (path.size() > 1 && path.front() == '/' && ::stat(path.c_str(), &st) == 0 &&
          S_ISDIR(st.st_mode)) {
        argv.insert(argv.end(), {"--tmpfs", path});
      }
    }
    argv.insert(argv.end(), {"--bind",
                             home,
                             std::string(kSandboxHome),
                             "--bind",
                             shared_dir,
                             std::string(kSandboxRun),
                             "--setenv",
                             "HOME",
                             std::string(kSandboxHome),
                             "--setenv",
                             "USER",
                             username,
                             "--setenv",
                             "LOGNAME",
                             username,
                             "--unshare-pid",
                             "--unshare-net",
                             "--unshare-ipc",
                             "--as-pid-1",
                             "--chdir",
                             std::string(kSandboxHome),
                             "--",
                             "/bin/sh",
                             "-c",
                             Launcher(options_, spec, std::string(kSandboxRun), ":1")});
    cwd = "/";
  } else {
    env.insert(env.end(), {"HOME=" + home, "USER=" + username, "LOGNAME=" + username});
    argv = {"/bin/sh", "-c", Launcher(options_, spec, shared_dir, "")};
    cwd = home;
  }

  nlohmann::json spec_json = {{"user_id", spec.user_id},
                              {"username", spec.username},
                              {"template_name", spec.template_name},
                              {"command", spec.command},
                              {"protocol", spec.protocol},
                              {"home_key", spec.home_key},
                              {"persistent_home", spec.persistent_home},
                              {"width", spec.width},
                              {"height", spec.height},
                              {"env_names", nlohmann::json::array()}};
  for (const auto& [name, value] : spec.env) spec_json["env_names"].push_back(name);

  const auto started_at = SteadyClock::now();
  auto pid = Spawn(std::move(argv), std::move(env), cwd, log_fd);
  ::close(log_fd);
  std::optional<uint64_t> ticks;
  if (pid) ticks = ProcStartTicks(*pid);
  if (pid && !ticks) {  // cannot tell this process from a later one: do not keep it
    ::killpg(*pid, SIGKILL);
    ::waitpid(*pid, nullptr, 0);
    pid = Fail(Errc::kInternal, "cannot read the session process's start time");
  }
  {
    std::lock_guard lock(mutex_);
    entry.pid = pid ? *pid : 0;
    entry.start_ticks = ticks.value_or(0);
    entry.wait_status.reset();
    entry.sandbox = options_.sandbox;
    entry.home = home;
    entry.spec = std::move(spec_json);
    entry.state = pid ? "running" : "failed";
    entry.details = pid ? "" : pid.error().message;
    entry.starting = true;
    PersistLocked(entry);  // a crash while waiting still leaves the session adoptable
  }
  if (!pid) return Fail(pid.error());

  auto ready = WaitReady(entry, spec.protocol);
  if (!ready) {
    if (auto stopped = StopProcesses(entry); !stopped) {
      spdlog::error("local session left processes session_id={} error={}", entry.id,
                    stopped.error().internal);
    }
    std::lock_guard lock(mutex_);
    entry.starting = false;
    entry.state = "failed";
    entry.details = ready.error().message;
    PersistLocked(entry);
    spdlog::warn("local session failed to start session_id={} error={}", entry.id,
                 ready.error().message);
    return ready;
  }
  std::lock_guard lock(mutex_);
  entry.starting = false;
  const auto ready_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started_at);
  spdlog::info("local session started session_id={} pid={} sandbox={} ready_ms={}", entry.id,
               entry.pid, entry.sandbox, ready_ms.count());
  return Ok();
}

// Polls until Xvnc greets on the socket (or the web app answers through its bridge), without
// holding mutex_ in between.
Status LocalPlatform::WaitReady(Entry& entry, const std::string& protocol) {
  const std::string run_dir = RuntimeDir(entry.id);
  const std::string log_path = run_dir + "/session.log";
  const std::string name = SocketName(protocol);
  const std::string socket_path = run_dir + "/" + name;
  const auto deadline = SteadyClock::now() + kReadyTimeout;
  while (true) {
    if (PublishSocket(run_dir, name) &&
        EndpointAnswers({Endpoint::Kind::kUnix, socket_path, "", 0}, protocol == "http")) {
      return Ok();
    }
    {
      std::lock_guard lock(mutex_);
      if (!AliveLocked(entry)) {
        return Fail(Errc::kUnavailable, "session exited during start; see " + log_path,
                    LogTail(log_path));
      }
    }
    if (SteadyClock::now() >= deadline) {
      return Fail(Errc::kUnavailable, "session did not accept " +
                                          std::string(protocol == "http" ? "HTTP" : "VNC") +
                                          " connections within 10 s; see " + log_path);
    }
    SleepPoll();
  }
}

// Sends signal to the session's process group and waits until the group is gone.
bool LocalPlatform::WaitGroupGone(Entry& entry, int signal) {
  const auto deadline = SteadyClock::now() + (signal == SIGKILL ? kKillTimeout : kTermTimeout);
  bool signalled = false;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (!GroupExistsLocked(entry)) return true;
      // The group leader (bwrap) may die first; signal again whatever is left.
      if (!signalled || signal == SIGKILL) SignalGroupLocked(entry, signal);
      signalled = true;
    }
    if (SteadyClock::now() >= deadline) return false;
    SleepPoll();
  }
}

Status LocalPlatform::StopProcesses(Entry& entry) {
  if (!WaitGroupGone(entry, SIGTERM)) {
    spdlog::warn("local session ignored SIGTERM session_id={} pid={}", entry.id, entry.pid);
    if (!WaitGroupGone(entry, SIGKILL)) {
      return Fail(Errc::kInternal, "session processes did not exit",
                  "process group " + std::to_string(entry.pid) + " survived SIGKILL");
    }
  }
  const std::string run_dir = RuntimeDir(entry.id);
  for (const char* name : {"vnc.sock", "http.sock"}) {
    ::unlink((run_dir + "/" + name).c_str());
    ::unlink((run_dir + "/run/" + name).c_str());
  }
  ::unlink((run_dir + "/run/display").c_str());
  return Ok();
}

Status LocalPlatform::Hibernate(const std::string& session_id) {
  auto [entry, op] = LockEntry(session_id, false);
  if (!entry) return Fail(Errc::kNotFound, "session does not exist on this agent");
  if (auto stopped = StopProcesses(*entry); !stopped) return stopped;
  std::lock_guard lock(mutex_);
  if (entry->state != "hibernated") {
    spdlog::info("local session hibernated session_id={}", session_id);
  }
  entry->state = "hibernated";
  entry->details.clear();
  PersistLocked(*entry);
  return Ok();
}

Status LocalPlatform::Delete(const std::string& session_id) {
  if (!IsSafeName(session_id)) return Ok();  // cannot exist here
  auto [entry, op] = LockEntry(session_id, false);
  if (!entry) return Ok();
  if (auto stopped = StopProcesses(*entry); !stopped) return stopped;
  std::error_code ec;
  fs::remove_all(RuntimeDir(session_id), ec);
  if (ec) {
    return Fail(Errc::kInternal, "cannot remove the session's runtime directory",
                RuntimeDir(session_id) + ": " + ec.message());
  }
  std::lock_guard lock(mutex_);
  entry->removed = true;
  sessions_.erase(session_id);
  spdlog::info("local session deleted session_id={}", session_id);
  return Ok();
}

std::vector<SessionStatus> LocalPlatform::List() {
  std::vector<SessionStatus> out;
  std::lock_guard lock(mutex_);
  ScanDiskLocked();
  for (auto& [id, entry] : sessions_) {
    if (entry->state == "running") {
      const bool alive = AliveLocked(*entry);
      const bool socket =
          ::access(
              (RuntimeDir(id) + "/" + SocketName(entry->spec.value("protocol", "vnc"))).c_str(),
              F_OK) == 0;
      if (alive) {
        out.push_back({id, "running", socket && !entry->starting ? "" : "starting"});
      } else if (entry->starting) {
        out.push_back({id, "running", "starting"});
      } else {
        out.push_back(ExitStatusLocked(*entry));  // exited; CollectExited reports it too
      }
    } else {
      out.push_back({id, entry->state, entry->details});
    }
  }
  return out;
}

std::vector<SessionStatus> LocalPlatform::CollectExited() {
  std::vector<SessionStatus> out;
  std::lock_guard lock(mutex_);
  ScanDiskLocked();
  for (auto& [id, entry] : sessions_) {
    // A session in the middle of Start, Hibernate or Delete is that call's business.
    std::unique_lock op(entry->op, std::try_to_lock);
    if (!op.owns_lock() || entry->state != "running" || AliveLocked(*entry)) continue;
    if (GroupExistsLocked(*entry)) ::killpg(entry->pid, SIGKILL);  // stragglers of the app
    SessionStatus status = ExitStatusLocked(*entry);
    ::unlink((RuntimeDir(id) + "/vnc.sock").c_str());
    ::unlink((RuntimeDir(id) + "/http.sock").c_str());
    entry->state = status.state;
    entry->details = status.details;
    PersistLocked(*entry);
    spdlog::info("local session exited session_id={} state={}", id, status.state);
    out.push_back(std::move(status));
  }
  return out;
}

Result<Endpoint> LocalPlatform::Resolve(const std::string& session_id, const std::string& target) {
  if (target != "vnc" && target != "http") {
    return Fail(Errc::kInvalidArgument, "target: must be vnc or http");
  }
  std::lock_guard lock(mutex_);
  const EntryPtr found = IsSafeName(session_id) ? FindOrLoadLocked(session_id, false) : nullptr;
  if (!found) return Fail(Errc::kNotFound, "session does not run here");
  Entry& entry = *found;
  if (entry.spec.value("protocol", "vnc") != target) {
    return Fail(Errc::kFailedPrecondition, "the session does not stream over " + target);
  }
  const std::string socket_path = RuntimeDir(session_id) + "/" + SocketName(target);
  if (entry.state != "running" || entry.starting || !AliveLocked(entry) ||
      ::access(socket_path.c_str(), F_OK) != 0) {
    return Fail(Errc::kNotFound, "session does not run here");
  }
  return Endpoint{Endpoint::Kind::kUnix, socket_path, "", 0};
}

}  // namespace sp::agent
