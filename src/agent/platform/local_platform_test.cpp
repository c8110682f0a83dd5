// Runs real sessions (Xvnc + xterm, in bubblewrap when it works here) and talks RFB 3.8 to
// them over the session's unix socket. Skips when Xvnc or xterm is not installed.
#include "agent/platform/local_platform.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace sp::agent {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

bool InPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

bool BwrapWorks() {
  static const bool works =
      InPath("bwrap") &&
      std::system(
          "bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid --unshare-net "
          "true >/dev/null 2>&1") == 0;
  return works;
}

long Ms(SteadyClock::duration d) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

// ---- A minimal RFB 3.8 client: just enough to see pixels. ----

class RfbConnection {
 public:
  explicit RfbConnection(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (fd_ < 0 || path.size() >= sizeof(addr.sun_path)) return;
    path.copy(addr.sun_path, path.size());
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RfbConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RfbConnection(const RfbConnection&) = delete;
  RfbConnection& operator=(const RfbConnection&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Reads exactly n bytes; an empty optional on EOF, error or the 10 s timeout.
  std::optional<std::string> Read(size_t n) {
    std::string out(n, '\0');
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::read(fd_, out.data() + got, n - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return std::nullopt;
      got += static_cast<size_t>(r);
    }
    return out;
  }
  bool Write(std::string_view data) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t r = ::write(fd_, data.data() + done, data.size() - done);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      done += static_cast<size_t>(r);
    }
    return true;
  }
  std::optional<uint32_t> ReadU(size_t bytes) {
    auto data = Read(bytes);
    if (!data) return std::nullopt;
    uint32_t value = 0;
    for (char c : *data) value = (value << 8) | static_cast<uint8_t>(c);
    return value;
  }

 private:
  int fd_ = -1;
};

std::string U16(uint16_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }
std::string U32(uint32_t v) { return U16(static_cast<uint16_t>(v >> 16)) + U16(v & 0xffff); }

struct ServerInit {
  int width = 0;
  int height = 0;
  int bytes_per_pixel = 0;
  std::string name;
};

// Version, security type None, SecurityResult, ClientInit(shared), ServerInit.
std::optional<ServerInit> Handshake(RfbConnection& rfb) {
  auto version = rfb.Read(12);
  if (!version || *version != "RFB 003.008\n") return std::nullopt;
  if (!rfb.Write("RFB 003.008\n")) return std::nullopt;
  auto count = rfb.ReadU(1);
  if (!count || *count == 0) return std::nullopt;
  auto types = rfb.Read(*count);
  if (!types || types->find('\x01') == std::string::npos) return std::nullopt;
  if (!rfb.Write(std::string(1, '\x01'))) return std::nullopt;
  auto result = rfb.ReadU(4);
  if (!result || *result != 0) return std::nullopt;
  if (!rfb.Write(std::string(1, '\x01'))) return std::nullopt;  // shared
  ServerInit init;
  auto width = rfb.ReadU(2);
  auto height = rfb.ReadU(2);
  auto format = rfb.Read(16);
  auto name_length = rfb.ReadU(4);
  if (!width || !height || !format || !name_length) return std::nullopt;
  auto name = rfb.Read(*name_length);
  if (!name) return std::nullopt;
  init.width = static_cast<int>(*width);
  init.height = static_cast<int>(*height);
  init.bytes_per_pixel = static_cast<uint8_t>((*format)[0]) / 8;
  init.name = *name;
  return init;
}

bool SetEncodingsRawOnly(RfbConnection& rfb) {
  return rfb.Write(std::string("\x02\x00", 2) + U16(1) + U32(0));
}

bool RequestUpdate(RfbConnection& rfb, const ServerInit& init, bool incremental) {
  return rfb.Write(std::string(1, '\x03') + std::string(1, incremental ? '\x01' : '\x00') + U16(0) +
                   U16(0) + U16(static_cast<uint16_t>(init.width)) +
                   U16(static_cast<uint16_t>(init.height)));
}

// Reads server messages until a FramebufferUpdate and paints its Raw rectangles into fb.
bool ReadUpdate(RfbConnection& rfb, const ServerInit& init, std::string& fb) {
  while (true) {
    auto type = rfb.ReadU(1);
    if (!type) return false;
    if (*type == 2) continue;  // Bell
    if (*type == 3) {          // ServerCutText
      if (!rfb.Read(3)) return false;
      auto length = rfb.ReadU(4);
      if (!length || !rfb.Read(*length)) return false;
      continue;
    }
    if (*type != 0) return false;  // SetColourMapEntries cannot happen at depth 24
    if (!rfb.Read(1)) return false;
    auto rects = rfb.ReadU(2);
    if (!rects) return false;
    for (uint32_t i = 0; i < *rects; ++i) {
      auto x = rfb.ReadU(2);
      auto y = rfb.ReadU(2);
      auto w = rfb.ReadU(2);
      auto h = rfb.ReadU(2);
      auto encoding = rfb.ReadU(4);
      if (!x || !y || !w || !h || !encoding || *encoding != 0) return false;
      const size_t bpp = static_cast<size_t>(init.bytes_per_pixel);
      for (uint32_t row = 0; row < *h; ++row) {
        auto line = rfb.Read(*w * bpp);
        if (!line) return false;
        const size_t offset = ((*y + row) * static_cast<size_t>(init.width) + *x) * bpp;
        if (offset + line->size() > fb.size()) return false;
        std::copy(line->begin(), line->end(), fb.begin() + static_cast<std::ptrdiff_t>(offset));
      }
    }
    return true;
  }
}

bool AllPixelsEqual(const std::string& fb, int bytes_per_pixel) {
  const size_t bpp = static_cast<size_t>(bytes_per_pixel);
  for (size_t i = bpp; i + bpp <= fb.size(); i += bpp) {
    if (fb.compare(i, bpp, fb, 0, bpp) != 0) return false;
  }
  return true;
}

// Live processes whose argv holds `arg` followed by `value` (the launcher passes the session
// id to Xvnc as -desktop, which finds Xvnc even where it left the session's process group).
int CountProcessesWithArgs(const std::string& arg, const std::string& value) {
  const std::string needle = arg + std::string(1, '\0') + value + std::string(1, '\0');
  int count = 0;
  std::error_code ec;
  for (const auto& item : fs::directory_iterator("/proc", ec)) {
    const std::string name = item.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(item.path() / "cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    if (cmdline.find(needle) != std::string::npos) ++count;
  }
  return count;
}

// True if the socket accepts a connection and greets with the RFB 3.8 version string.
bool Greets(const std::string& path) {
  RfbConnection rfb(path);
  if (!rfb.connected()) return false;
  auto version = rfb.Read(12);
  return version && *version == "RFB 003.008\n";
}

class LocalPlatformTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (!InPath("Xvnc") || !InPath("xterm")) {
      GTEST_SKIP() << "Xvnc or xterm is not installed (apt-get install "
                      "tigervnc-standalone-server xterm xfonts-base)";
    }
    if (GetParam() && !BwrapWorks()) {
      GTEST_SKIP() << "bubblewrap is not installed or cannot create namespaces here";
    }
    char dir[] = "/tmp/sp-local-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    data_dir_ = dir;
    platform_ = MakePlatform();
  }

  void TearDown() override {
    if (platform_) {
      for (const auto& id : started_) {
        auto deleted = platform_->Delete(id);
        EXPECT_TRUE(deleted) << id << ": " << (deleted ? "" : deleted.error().message);
      }
    }
    platform_.reset();
    if (!data_dir_.empty()) fs::remove_all(data_dir_);
  }

  std::unique_ptr<LocalPlatform> MakePlatform() {
    return std::make_unique<LocalPlatform>(
        LocalPlatformOptions{.data_dir = data_dir_, .sandbox = GetParam()});
  }

  SessionSpec Spec(const std::string& id, std::vector<std::string> command = {"xterm"}) {
    started_.push_back(id);  // TearDown deletes it, whatever happens in the test
    SessionSpec spec;
    spec.session_id = id;
    spec.user_id = "u1";
    spec.username = "alice";
    spec.template_name = "xterm";
    spec.home_key = "u1/xterm";
    spec.command = std::move(command);
    spec.width = 640;
    spec.height = 400;
    return spec;
  }

  // Session ids carry the fixture's random suffix: tests running in parallel (or a leftover
  // of a crashed run) must not see each other's processes.
  std::string Id(const std::string& name) const { return name + data_dir_.substr(13); }

  std::string SessionDir(const std::string& id) const { return data_dir_ + "/sessions/" + id; }
  std::string Socket(const std::string& id) const { return SessionDir(id) + "/vnc.sock"; }
  std::string Home() const { return data_dir_ + "/homes/u1/xterm"; }

  pid_t Pid(const std::string& id) const {
    std::ifstream in(SessionDir(id) + "/session.json");
    const auto json = nlohmann::json::parse(in, nullptr, false);
    return json.is_object() ? json.value("pid", 0) : 0;
  }

  static std::optional<SessionStatus> Find(const std::vector<SessionStatus>& all,
                                           const std::string& id) {
    for (const auto& s : all) {
      if (s.session_id == id) return s;
    }
    return std::nullopt;
  }

  // Polls CollectExited (an app's exit is asynchronous) for up to 10 s.
  std::vector<SessionStatus> CollectUntilSomething() {
    const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
    while (SteadyClock::now() < deadline) {
      auto exited = platform_->CollectExited();
      if (!exited.empty()) return exited;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return {};
  }

  std::string data_dir_;
  std::unique_ptr<LocalPlatform> platform_;
  std::vector<std::string> started_;
};

TEST_P(LocalPlatformTest, XtermSessionServesAFramebufferWithContent) {
  const auto spec = Spec(Id("s-xterm"));
  const auto t0 = SteadyClock::now();
  auto started = platform_->Start(spec);
  ASSERT_TRUE(started) << started.error().message;
  const auto t_started = SteadyClock::now();

  auto endpoint = platform_->Resolve(Id("s-xterm"), "vnc");
  ASSERT_TRUE(endpoint) << endpoint.error().message;
  EXPECT_EQ(endpoint->kind, Endpoint::Kind::kUnix);
  EXPECT_EQ(endpoint->path, Socket(Id("s-xterm")));

  RfbConnection rfb(endpoint->path);
  ASSERT_TRUE(rfb.connected());
  auto init = Handshake(rfb);
  ASSERT_TRUE(init);
  EXPECT_EQ(init->width, 640);
  EXPECT_EQ(init->height, 400);
  EXPECT_EQ(init->bytes_per_pixel, 4);
  ASSERT_TRUE(SetEncodingsRawOnly(rfb));
  std::string fb(static_cast<size_t>(init->width * init->height * init->bytes_per_pixel), '\0');
  ASSERT_TRUE(RequestUpdate(rfb, *init, false));
  ASSERT_TRUE(ReadUpdate(rfb, *init, fb));
  const auto t_first_update = SteadyClock::now();
  // xterm may map its window after the first update: incremental requests are answered
  // when something changes, so this waits without polling.
  for (int i = 0; i < 50 && AllPixelsEqual(fb, init->bytes_per_pixel); ++i) {
    ASSERT_TRUE(RequestUpdate(rfb, *init, true));
    ASSERT_TRUE(ReadUpdate(rfb, *init, fb));
  }
  EXPECT_FALSE(AllPixelsEqual(fb, init->bytes_per_pixel)) << "xterm never drew anything";
  const auto t_content = SteadyClock::now();
  std::printf(
      "[   NOTE   ] sandbox=%d Start() %ld ms, first framebuffer update %ld ms, "
      "xterm visible %ld ms after the Start() call\n",
      GetParam() ? 1 : 0, Ms(t_started - t0), Ms(t_first_update - t0), Ms(t_content - t0));

  // A VNC session has no HTTP endpoint.
  auto http = platform_->Resolve(Id("s-xterm"), "http");
  ASSERT_FALSE(http);
  EXPECT_EQ(http.error().code, Errc::kFailedPrecondition);
}

TEST_P(LocalPlatformTest, HibernateStopsProcessesAndWakeKeepsTheHome) {
  const auto spec = Spec(Id("s-hib"));
  ASSERT_TRUE(platform_->Start(spec));
  const pid_t pgid = Pid(Id("s-hib"));
  ASSERT_GT(pgid, 0);
  ASSERT_EQ(::killpg(pgid, 0), 0);
  {
    std::ofstream note(Home() + "/note.txt");
    note << "kept";
  }

  EXPECT_EQ(CountProcessesWithArgs("-desktop", Id("s-hib")), 1) << "Xvnc should run";

  auto hibernated = platform_->Hibernate(Id("s-hib"));
  ASSERT_TRUE(hibernated) << hibernated.error().message;
  errno = 0;
  EXPECT_EQ(::killpg(pgid, 0), -1) << "the session's process group still exists";
  EXPECT_EQ(errno, ESRCH);
  EXPECT_EQ(CountProcessesWithArgs("-desktop", Id("s-hib")), 0) << "Xvnc survived Hibernate";
  EXPECT_FALSE(fs::exists(Socket(Id("s-hib"))));
  auto listed = Find(platform_->List(), Id("s-hib"));
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->state, "hibernated");
  auto resolved = platform_->Resolve(Id("s-hib"), "vnc");
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().code, Errc::kNotFound);
  EXPECT_TRUE(platform_->Hibernate(Id("s-hib"))) << "Hibernate must be idempotent";
  EXPECT_TRUE(platform_->CollectExited().empty()) << "a hibernation is not an exit";

  auto woken = platform_->Wake(spec);
  ASSERT_TRUE(woken) << woken.error().message;
  std::ifstream note(Home() + "/note.txt");
  std::string text;
  note >> text;
  EXPECT_EQ(text, "kept");
  EXPECT_TRUE(Greets(Socket(Id("s-hib"))));
  EXPECT_NE(Pid(Id("s-hib")), pgid);
  listed = Find(platform_->List(), Id("s-hib"));
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->state, "running");

  ASSERT_TRUE(platform_->Delete(Id("s-hib")));
  EXPECT_FALSE(fs::exists(SessionDir(Id("s-hib"))));
  EXPECT_TRUE(fs::exists(Home() + "/note.txt")) << "Delete must keep the home";
  EXPECT_FALSE(Find(platform_->List(), Id("s-hib")));
  EXPECT_TRUE(platform_->Delete(Id("s-hib"))) << "Delete must be idempotent";
}

TEST_P(LocalPlatformTest, StartTwiceIsIdempotent) {
  const auto spec = Spec(Id("s-twice"));
  ASSERT_TRUE(platform_->Start(spec));
  const pid_t pid = Pid(Id("s-twice"));
  ASSERT_TRUE(platform_->Start(spec));
  EXPECT_EQ(Pid(Id("s-twice")), pid);
  EXPECT_EQ(::killpg(pid, 0), 0);
  EXPECT_TRUE(Greets(Socket(Id("s-twice"))));
}

TEST_P(LocalPlatformTest, ConcurrentStartsOfOneSessionStartItOnce) {
  const auto spec = Spec(Id("s-race"));
  Status first;
  Status second;
  std::thread a([&] { first = platform_->Start(spec); });
  std::thread b([&] { second = platform_->Start(spec); });
  a.join();
  b.join();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  const pid_t pid = Pid(Id("s-race"));
  EXPECT_EQ(::killpg(pid, 0), 0);
  EXPECT_TRUE(Greets(Socket(Id("s-race"))));
}

TEST_P(LocalPlatformTest, NewInstanceReadoptsRunningSessions) {
  const auto spec = Spec(Id("s-adopt"));
  ASSERT_TRUE(platform_->Start(spec));
  const pid_t pid = Pid(Id("s-adopt"));

  auto restarted = MakePlatform();  // as after an agent restart
  auto listed = Find(restarted->List(), Id("s-adopt"));
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->state, "running");
  auto endpoint = restarted->Resolve(Id("s-adopt"), "vnc");
  ASSERT_TRUE(endpoint) << endpoint.error().message;
  EXPECT_TRUE(Greets(endpoint->path));
  ASSERT_TRUE(restarted->Start(spec));
  EXPECT_EQ(Pid(Id("s-adopt")), pid) << "Start of a re-adopted running session must not restart it";
  EXPECT_TRUE(restarted->CollectExited().empty());

  ASSERT_TRUE(restarted->Hibernate(Id("s-adopt")));
  errno = 0;
  EXPECT_EQ(::killpg(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  EXPECT_EQ(CountProcessesWithArgs("-desktop", Id("s-adopt")), 0) << "Xvnc survived Hibernate";
}

TEST_P(LocalPlatformTest, AppExitIsReportedOnceByCollectExited) {
  // The apps wait for a file in their home, so that they exit only after Start returned.
  const std::string wait_then = R"(while [ ! -e "$HOME/quit" ]; do sleep 0.05; done; )";
  ASSERT_TRUE(platform_->Start(
      Spec(Id("s-exit0"), {"sh", "-c", wait_then + R"(echo "$USER $DISPLAY" >"$HOME/seen")"})));
  ASSERT_TRUE(
      platform_->Start(Spec(Id("s-exit3"), {"sh", "-c", wait_then + "echo bye >&2; exit 3"})));
  EXPECT_TRUE(platform_->CollectExited().empty());
  { std::ofstream quit(Home() + "/quit"); }

  std::vector<SessionStatus> exited;
  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  while (exited.size() < 2 && SteadyClock::now() < deadline) {
    auto more = CollectUntilSomething();
    exited.insert(exited.end(), more.begin(), more.end());
  }
  ASSERT_EQ(exited.size(), 2u);
  auto ok = Find(exited, Id("s-exit0"));
  auto failed = Find(exited, Id("s-exit3"));
  ASSERT_TRUE(ok);
  ASSERT_TRUE(failed);
  EXPECT_EQ(ok->state, "stopped");
  EXPECT_EQ(failed->state, "failed");
  EXPECT_NE(failed->details.find("code 3"), std::string::npos) << failed->details;
  EXPECT_NE(failed->details.find("bye"), std::string::npos) << failed->details;
  EXPECT_TRUE(platform_->CollectExited().empty()) << "each exit is reported once";

  std::ifstream seen(Home() + "/seen");
  std::string user;
  std::string display;
  seen >> user >> display;
  EXPECT_EQ(user, "alice");
  EXPECT_EQ(display.front(), ':');
  EXPECT_FALSE(fs::exists(Socket(Id("s-exit0"))));
  EXPECT_EQ(CountProcessesWithArgs("-desktop", Id("s-exit0")), 0) << "Xvnc outlived the app";
  EXPECT_EQ(CountProcessesWithArgs("-desktop", Id("s-exit3")), 0) << "Xvnc outlived the app";
  auto listed = Find(platform_->List(), Id("s-exit3"));
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->state, "failed");
  EXPECT_FALSE(platform_->Resolve(Id("s-exit0"), "vnc"));
}

TEST_P(LocalPlatformTest, EnvReachesTheAppAndNonPersistentHomesGoWithTheSession) {
  auto spec = Spec(Id("s-env"), {"sh", "-c", R"(echo "$GREETING" >"$HOME/greeting"; exec xterm)"});
  spec.env = {{"GREETING", "it's 'quoted' $HOME"}};
  spec.persistent_home = false;
  ASSERT_TRUE(platform_->Start(spec));
  const std::string file = SessionDir(Id("s-env")) + "/home/greeting";
  // The shell creates the file before echo writes to it: wait for the whole line.
  std::string text;
  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  while (SteadyClock::now() < deadline) {
    std::ifstream in(file);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (text.ends_with('\n')) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(text, "it's 'quoted' $HOME\n");
  EXPECT_FALSE(fs::exists(SessionDir(Id("s-env")) + "/run/env.sh"))
      << "the env file must be removed";
  EXPECT_FALSE(fs::exists(Home()));
  ASSERT_TRUE(platform_->Delete(Id("s-env")));
  EXPECT_FALSE(fs::exists(file));
}

TEST_P(LocalPlatformTest, SandboxHidesTheAgentsFilesAndCannotRedirectThem) {
  if (!GetParam()) GTEST_SKIP() << "without a sandbox the app runs with the agent's rights";
  const std::string victim = data_dir_ + "/victim";
  { std::ofstream(victim) << "intact\n"; }
  // After the test's signal, the app looks for the agent's files and plants links in
  // /run/streamspace towards a host file, replacing Xvnc's socket among others.
  const std::string script = R"(while [ ! -e "$HOME/go" ]; do sleep 0.05; done; )"
                             "if [ -e '" +
                             data_dir_ +
                             "/sessions' ] || [ -n \"$(ls /root)\" ]; then echo visible; "
                             "else echo hidden; fi >\"$HOME/probe\"; "
                             "cd /run/streamspace && ln -s '" +
                             victim + "' env.sh.tmp && ln -sf '" + victim +
                             "' exit_status && rm -f vnc.sock && ln -s '" + victim +
                             "' vnc.sock && "
                             R"(touch "$HOME/done"; exec xterm)";
  auto spec = Spec(Id("s-tamper"), {"sh", "-c", script});
  ASSERT_TRUE(platform_->Start(spec));
  { std::ofstream go(Home() + "/go"); }
  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  while (!fs::exists(Home() + "/done") && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(fs::exists(Home() + "/done"));
  std::ifstream probe(Home() + "/probe");
  std::string seen;
  probe >> seen;
  EXPECT_EQ(seen, "hidden");
  EXPECT_TRUE(Greets(Socket(Id("s-tamper")))) << "the agent's link still reaches Xvnc";
  EXPECT_TRUE(fs::is_socket(fs::symlink_status(Socket(Id("s-tamper")))));

  ASSERT_TRUE(platform_->Hibernate(Id("s-tamper")));
  fs::remove(Home() + "/go");
  spec.env = {{"SECRET", "x"}};
  ASSERT_TRUE(platform_->Wake(spec));
  std::ifstream in(victim);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "intact");
}

TEST_P(LocalPlatformTest, RejectsInvalidSpecs) {
  auto spec = Spec("../escape");
  EXPECT_EQ(platform_->Start(spec).error().code, Errc::kInvalidArgument);
  spec = Spec(Id("s-bad-home"));
  spec.home_key = "u1/../../etc";
  EXPECT_EQ(platform_->Start(spec).error().code, Errc::kInvalidArgument);
  spec = Spec(Id("s-http"));
  spec.protocol = "http";
  EXPECT_EQ(platform_->Start(spec).error().code, Errc::kInvalidArgument);
  spec = Spec(Id("s-no-command"), {});
  EXPECT_EQ(platform_->Start(spec).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(platform_->Hibernate(Id("s-unknown")).error().code, Errc::kNotFound);
  EXPECT_EQ(platform_->Resolve(Id("s-unknown"), "vnc").error().code, Errc::kNotFound);
  EXPECT_TRUE(platform_->Delete(Id("s-unknown")));
}

TEST_P(LocalPlatformTest, StartFailsWithTheLogFileWhenXvncCannotStart) {
  platform_ = std::make_unique<LocalPlatform>(LocalPlatformOptions{
      .data_dir = data_dir_, .xvnc = "/nonexistent/Xvnc", .sandbox = GetParam()});
  const auto t0 = SteadyClock::now();
  auto started = platform_->Start(Spec(Id("s-noxvnc")));
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, Errc::kUnavailable);
  EXPECT_NE(started.error().message.find("session.log"), std::string::npos)
      << started.error().message;
  EXPECT_LT(SteadyClock::now() - t0, std::chrono::seconds(5)) << "a dead session fails fast";
  auto listed = Find(platform_->List(), Id("s-noxvnc"));
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->state, "failed");
  EXPECT_TRUE(platform_->CollectExited().empty());
}

INSTANTIATE_TEST_SUITE_P(LocalPlatform, LocalPlatformTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? "Sandboxed" : "Unsandboxed";
                         });

}  // namespace
}  // namespace sp::agent
