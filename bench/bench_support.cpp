#include "bench/bench_support.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sp::bench {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Fields of /proc/<pid>/stat after "pid (comm) ": index 0 is field 3 (state).
std::vector<std::string> StatFields(int pid) {
  const std::string stat = ReadWhole("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 > stat.size()) return {};
  std::istringstream rest(stat.substr(close + 2));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

uint32_t Le32(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
         (static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8) |
         (static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24);
}

uint16_t Be16(const std::string& s, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(s.at(at)) << 8) |
                               static_cast<uint8_t>(s.at(at + 1)));
}

uint32_t Be32(const std::string& s, size_t at) {
  return (static_cast<uint32_t>(Be16(s, at)) << 16) | Be16(s, at + 2);
}

}  // namespace

// ---- processes ----

pid_t Spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::string& log_path) {
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log_path);
  std::vector<std::string> argv_storage = args;
  std::vector<char*> argv;
  argv.reserve(argv_storage.size() + 1);
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);  // the benchmark died before prctl
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    ::execvp(argv[0], argv.data());
    const std::string msg = "exec " + args.front() + " failed: " + std::strerror(errno) + "\n";
    (void)!::write(STDERR_FILENO, msg.data(), msg.size());
    ::_exit(127);
  }
  ::close(log_fd);
  return pid;
}

bool ChildAlive(pid_t pid) {
  if (pid <= 0) return false;
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == 0;
}

void Terminate(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  std::vector<int> all = Descendants(pid);
  all.insert(all.begin(), pid);
  for (int p : all) ::kill(p, SIGTERM);
  const auto give_up = Clock::now() + grace;
  bool reaped = false;
  while (Clock::now() < give_up) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      reaped = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Whatever of the same tree is still there (the collected descendants, by pid).
  for (int p : all) {
    if (p == pid && reaped) continue;
    if (::kill(p, 0) == 0) ::kill(p, SIGKILL);
  }
  if (!reaped) {
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
}

std::vector<int> AllPids() {
  std::vector<int> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    out.push_back(std::stoi(name));
  }
  return out;
}

std::vector<std::string> Cmdline(int pid) {
  const std::string raw = ReadWhole("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> out;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    out.push_back(raw.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<int> Descendants(int pid) {
  std::map<int, std::vector<int>> children;
  for (int p : AllPids()) {
    const auto fields = StatFields(p);
    if (fields.size() > 1) children[std::stoi(fields[1])].push_back(p);
  }
  std::vector<int> out;
  std::vector<int> todo = children[pid];
  std::set<int> seen;
  while (!todo.empty()) {
    const int p = todo.back();
    todo.pop_back();
    if (!seen.insert(p).second) continue;
    out.push_back(p);
    for (int c : children[p]) todo.push_back(c);
  }
  return out;
}

double CpuSeconds(int pid) {
  const auto fields = StatFields(pid);
  // utime and stime are fields 14 and 15 of the file: indexes 11 and 12 here.
  if (fields.size() < 13) return -1;
  const double ticks = std::stod(fields[11]) + std::stod(fields[12]);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

bool InPath(const std::string& name) {
  return std::system(("command -v '" + name + "' >/dev/null 2>&1").c_str()) == 0;
}

uint16_t FreeTcpPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool WaitForTcp(uint16_t port, std::chrono::milliseconds limit) {
  const auto give_up = Clock::now() + limit;
  while (Clock::now() < give_up) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// ---- numbers ----

double Percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(samples.size()));
  const size_t index =
      static_cast<size_t>(std::clamp(rank, 1.0, static_cast<double>(samples.size()))) - 1;
  return samples[index];
}

double Median(std::vector<double> samples) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

// ---- sessions ----

int ServerPid(const test::TestServer& server) {
  return FindProcess([&](const std::vector<std::string>& argv) {
    return argv.size() > 1 && argv[1] == "serve" &&
           std::find(argv.begin(), argv.end(), server.data_dir()) != argv.end();
  });
}

int SessionXvncPid(const std::string& session_id) {
  return FindProcess([&](const std::vector<std::string>& argv) {
    if (argv.empty()) return false;
    const std::string& exe = argv[0];
    const bool is_xvnc = exe == "Xvnc" || (exe.size() > 5 && exe.ends_with("/Xvnc"));
    return is_xvnc && std::find(argv.begin(), argv.end(), session_id) != argv.end();
  });
}

// ---- RFB ----

RawUpdateReader::RawUpdateReader(test::RfbTransport& transport, int width, int height,
                                 bool keep_pixels)
    : transport_(transport), width_(width), height_(height), keep_pixels_(keep_pixels) {
  if (keep_pixels_) pixels_.assign(static_cast<size_t>(width_) * static_cast<size_t>(height_), 0);
}

void RawUpdateReader::Skip(uint64_t bytes) {
  constexpr uint64_t kChunk = uint64_t{1024} * 1024;
  while (bytes > 0) {
    const uint64_t n = std::min(bytes, kChunk);
    transport_.Read(static_cast<size_t>(n));
    bytes -= n;
  }
}

uint64_t RawUpdateReader::ReadUpdate() {
  constexpr int32_t kRaw = 0;
  constexpr int32_t kDesktopSize = -223;
  for (;;) {
    const auto type = static_cast<uint8_t>(transport_.Read(1).at(0));
    switch (type) {
      case 0:  // FramebufferUpdate
        break;
      case 1:  // SetColourMapEntries
        Skip(6 * static_cast<uint64_t>(Be16(transport_.Read(5), 3)));
        continue;
      case 2:  // Bell
        continue;
      case 3:  // ServerCutText
        Skip(Be32(transport_.Read(7), 3));
        continue;
      case 150:  // EndOfContinuousUpdates
        continue;
      case 248:  // ServerFence
        Skip(static_cast<uint8_t>(transport_.Read(8).at(7)));
        continue;
      default:
        throw std::runtime_error("unexpected RFB server message " + std::to_string(type));
    }
    const uint16_t rects = Be16(transport_.Read(3), 1);
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < rects; ++i) {
      const std::string header = transport_.Read(12);
      const int x = Be16(header, 0);
      const int y = Be16(header, 2);
      const int w = Be16(header, 4);
      const int h = Be16(header, 6);
      const auto encoding = static_cast<int32_t>(Be32(header, 8));
      if (encoding == kDesktopSize) {
        width_ = w;
        height_ = h;
        if (keep_pixels_) pixels_.assign(static_cast<size_t>(w) * static_cast<size_t>(h), 0);
        continue;
      }
      if (encoding != kRaw)
        throw std::runtime_error("unexpected encoding " + std::to_string(encoding));
      if (x + w > width_ || y + h > height_) throw std::runtime_error("rectangle out of bounds");
      const uint64_t size = uint64_t{4} * static_cast<uint64_t>(w) * static_cast<uint64_t>(h);
      bytes += size;
      if (!keep_pixels_) {
        Skip(size);
        continue;
      }
      // One read for the whole rectangle: row-sized reads would make a WebSocket transport
      // shift its buffer once per row.
      const std::string data = transport_.Read(static_cast<size_t>(size));
      const char* in = data.data();
      for (int row = 0; row < h; ++row) {
        uint32_t* out = &pixels_[static_cast<size_t>(y + row) * static_cast<size_t>(width_) +
                                 static_cast<size_t>(x)];
        for (int col = 0; col < w; ++col, in += 4) out[col] = Le32(in) & 0x00ffffffU;
      }
    }
    return bytes;
  }
}

bool RawUpdateReader::NotUniform() const {
  if (pixels_.empty()) return false;
  const uint32_t first = pixels_.front();
  return std::any_of(pixels_.begin(), pixels_.end(), [first](uint32_t p) { return p != first; });
}

}  // namespace sp::bench
