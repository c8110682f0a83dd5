// Event hub fan-out (bench/README.md): the real EventHub (sp_hub_bench_server) against a
// minimal broadcast server on node's `ws` (hub_bench_node_server.mjs), both started here as
// child processes and driven through the same stdin protocol, with the same message shape and
// the same clock (CLOCK_MONOTONIC, checked at start).
//
// 1. Idle memory: on each fresh server, 10,000 WebSocket clients connect and get their
//    welcome; the server's VmRSS before and after, divided by the connections.
// 2. Fan-out: 1,000 clients on each server (all connected at once), then a paced rate sweep
//    (20, 50, 100, 200 events/s for 3 s) and bursts of 200 events as fast as the server goes,
//    each step on one server and then on the other, in 2 rounds that alternate which goes
//    first. Per step: delivered messages per second (all clients), latency p50/p99/max from
//    when the event was due by the schedule (so that a publisher that falls behind is not
//    excused: no coordinated omission) and p99 from when the server stamped it, clients
//    dropped, messages missing, server and client CPU per delivered message.
//
// The clients are Boost.Beast WebSockets on one io_context (one thread by default); they
// parse only the dueNs and sentNs fields of each message. A client the server drops is
// reconnected before the next step, as a browser would.
#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/asio.hpp"
// Beast's WebSocket only after net/asio.hpp, which fixes Boost 1.74's include order.
#include <boost/beast/websocket.hpp>

#include "bench/report_header.hpp"

#ifndef SP_BENCH_BUILD_TYPE
#define SP_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef SP_HUB_BENCH_NODE_SERVER
#define SP_HUB_BENCH_NODE_SERVER "bench/hub_bench_node_server.mjs"
#endif

namespace sp::bench {
namespace {

namespace asio = net::asio;
namespace beast = net::beast;
namespace websocket = beast::websocket;
using net::tcp;
using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

struct Options {
  int clients = 1000;
  int idle = 10000;
  std::vector<double> rates = {20, 50, 100, 200};  // events per second, paced steps
  double step_seconds = 3;                         // length of one paced step
  int bursts = 2;                                  // unpaced bursts per server and round
  int rounds = 2;          // of the whole sweep; the server that goes first alternates
  int burst_events = 200;  // under the hub's send queue (256)
  int size = 200;          // "pad" bytes of each event
  int threads = 1;         // client io threads
  bool streamspace = true;
  bool node = true;
  std::string server_path;  // sp_hub_bench_server; default: beside this executable
};

// ---- child processes ----

// A server started with pipes on its stdin and stdout; stderr goes to a log file.
class Child {
 public:
  Child(std::string name, const std::vector<std::string>& args, const std::string& log_path)
      : name_(std::move(name)) {
    int in[2];
    int out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
    }
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(1);
      dup2(in[0], 0);
      dup2(out[1], 1);
      const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (log >= 0) dup2(log, 2);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    in_ = in[1];
    out_ = out[0];
  }
  ~Child() { Stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }

  void Send(const std::string& line) {
    const std::string data = line + "\n";
    if (write(in_, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
      throw std::runtime_error(name_ + ": cannot write a command (did it exit?)");
    }
  }

  // The next line on its stdout, or nullopt after `limit` (or at its end).
  std::optional<std::string> ReadLine(std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (true) {
      if (const size_t nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const ssize_t n = read(out_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  // Sends `command` and returns the words after `answer` of the first line starting with it.
  std::string Ask(const std::string& command, const std::string& answer,
                  std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    Send(command);
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      auto line = ReadLine(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - Clock::now() + std::chrono::milliseconds(1)));
      if (!line) break;
      if (line->rfind(answer + " ", 0) == 0) return line->substr(answer.size() + 1);
      if (line->rfind("error", 0) == 0) throw std::runtime_error(name_ + ": " + *line);
    }
    throw std::runtime_error(name_ + ": no '" + answer + "' answer to '" + command + "'");
  }

  // Waits for "ready PORT".
  uint16_t WaitReady() {
    while (auto line = ReadLine(std::chrono::seconds(20))) {
      if (line->rfind("ready ", 0) == 0) return static_cast<uint16_t>(std::stoi(line->substr(6)));
    }
    throw std::runtime_error(name_ + " did not start (see its log)");
  }

  // "quit", then SIGKILL if it has not exited within 3 s. By pid only.
  void Stop() {
    if (pid_ <= 0) return;
    const std::string quit = "quit\n";
    (void)!write(in_, quit.data(), quit.size());
    close(in_);
    close(out_);
    int status = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(3);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
  }

 private:
  std::string name_;
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buffer_;
};

// utime + stime of a process (all threads), in seconds.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double OwnCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

rlim_t RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  limit.rlim_cur = limit.rlim_max;  // inherited by the servers
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

bool InPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// ---- latency histogram ----

// 1 us buckets up to 100 ms, then 1 ms buckets up to 100 s.
class Histogram {
 public:
  Histogram() : fine_(kFine, 0), coarse_(kCoarse, 0) {}
  void Add(int64_t ns) {
    const int64_t us = std::max<int64_t>(0, ns / 1000);
    if (us < kFine) {
      ++fine_[static_cast<size_t>(us)];
    } else {
      ++coarse_[static_cast<size_t>(std::min<int64_t>(us / 1000, kCoarse - 1))];
    }
    ++count_;
    max_ns_ = std::max(max_ns_, ns);
    if (ns < 0) ++negative_;
  }
  void Merge(const Histogram& o) {
    for (size_t i = 0; i < fine_.size(); ++i) fine_[i] += o.fine_[i];
    for (size_t i = 0; i < coarse_.size(); ++i) coarse_[i] += o.coarse_[i];
    count_ += o.count_;
    max_ns_ = std::max(max_ns_, o.max_ns_);
    negative_ += o.negative_;
  }
  void Clear() { *this = Histogram(); }
  uint64_t count() const { return count_; }
  uint64_t negative() const { return negative_; }
  double MaxMs() const { return static_cast<double>(max_ns_) / 1e6; }
  // Nearest rank, in ms (the bucket's upper edge).
  double PercentileMs(double p) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<uint64_t>(std::max(1.0, p / 100.0 * static_cast<double>(count_)));
    uint64_t seen = 0;
    for (size_t i = 0; i < fine_.size(); ++i) {
      seen += fine_[i];
      if (seen >= rank) return static_cast<double>(i + 1) / 1000.0;
    }
    for (size_t i = 0; i < coarse_.size(); ++i) {
      seen += coarse_[i];
      if (seen >= rank) return static_cast<double>(i + 1);
    }
    return MaxMs();
  }

 private:
  static constexpr int64_t kFine = 100000;
  static constexpr int64_t kCoarse = 100000;
  std::vector<uint64_t> fine_;
  std::vector<uint64_t> coarse_;
  uint64_t count_ = 0;
  int64_t max_ns_ = 0;
  uint64_t negative_ = 0;
};

// ---- clients ----

// One client thread: its io_context, its share of the connections and its counters.
struct Loop {
  asio::io_context io{1};
  std::thread thread;
  // io thread only (read and reset through Loop::Run): receive time - dueNs, - sentNs.
  Histogram latency;
  Histogram since_sent;
  std::atomic<uint64_t> delivered{0};
  std::atomic<int64_t> last_receive_ns{0};
  size_t message_bytes = 0;

  // Runs fn on the io thread and waits for it.
  void Run(const std::function<void()>& fn) {
    std::promise<void> done;
    asio::post(io, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
};

// What happened to the connections of one Fleet (below).
struct FleetCounters {
  std::atomic<int> welcomed{0};
  std::atomic<int> failed{0};  // connect, handshake or welcome failed
  std::atomic<int> closed{0};  // closed after the welcome
};

struct Conn {
  explicit Conn(Loop& l) : loop(l), ws(l.io) {}
  Loop& loop;
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::string target;
  bool open = false;      // welcomed and not closed yet (io thread)
  bool finished = false;  // its coroutine is over (io thread)
};

// The integer after `"key":` in a message, or -1.
int64_t ParseNumber(std::string_view message, std::string_view quoted_key) {
  const size_t at = message.find(quoted_key);
  if (at == std::string_view::npos) return -1;
  const size_t colon = at + quoted_key.size();
  if (colon >= message.size() || message[colon] != ':') return -1;
  int64_t value = -1;
  std::from_chars(message.data() + colon + 1, message.data() + message.size(), value);
  return value;
}

// Connects, upgrades, waits for the welcome, then counts every update until the connection
// ends. Arguments are references (GCC 12 and by-value coroutine parameters, see WorkerPool).
asio::awaitable<void> RunClient(FleetCounters& counters, Conn& conn, const tcp::endpoint& server) {
  Loop& loop = conn.loop;
  beast::error_code ec;
  beast::get_lowest_layer(conn.ws).expires_after(std::chrono::seconds(30));
  co_await beast::get_lowest_layer(conn.ws).async_connect(
      server, asio::redirect_error(asio::use_awaitable, ec));
  const std::string host = "127.0.0.1:" + std::to_string(server.port());
  if (!ec) {
    co_await conn.ws.async_handshake(host, conn.target,
                                     asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!ec) {
    co_await conn.ws.async_read(conn.buffer, asio::redirect_error(asio::use_awaitable, ec));
  }
  beast::get_lowest_layer(conn.ws).expires_never();
  if (ec || beast::buffers_to_string(conn.buffer.data()).find("\"welcome\"") == std::string::npos) {
    counters.failed.fetch_add(1);
    conn.finished = true;
    co_return;
  }
  conn.buffer.consume(conn.buffer.size());
  conn.open = true;
  counters.welcomed.fetch_add(1);
  while (true) {
    co_await conn.ws.async_read(conn.buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    const int64_t now = NowNs();
    const std::string_view message(static_cast<const char*>(conn.buffer.data().data()),
                                   conn.buffer.size());
    const int64_t due = ParseNumber(message, "\"dueNs\"");
    const int64_t sent = ParseNumber(message, "\"sentNs\"");
    if (due >= 0 && sent >= 0) {
      loop.latency.Add(now - due);
      loop.since_sent.Add(now - sent);
      loop.delivered.fetch_add(1, std::memory_order_relaxed);
      loop.last_receive_ns.store(now, std::memory_order_relaxed);
      loop.message_bytes = message.size();
    }
    conn.buffer.consume(conn.buffer.size());
  }
  conn.open = false;
  counters.closed.fetch_add(1);
  conn.finished = true;
}

// N connections to one server, spread over the loops.
class Fleet {
 public:
  Fleet(std::vector<std::unique_ptr<Loop>>& loops, uint16_t port)
      : loops_(loops), server_(asio::ip::make_address("127.0.0.1"), port) {}
  // The loops must still run: the connections are closed on their threads.
  ~Fleet() { CloseAll(); }
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Opens `count` more connections, at most `window` handshakes at a time; returns how many
  // were welcomed.
  int Open(int count, int window = 200) {
    const int before = Welcomed();
    const int failed_before = Failed();
    int started = 0;
    const auto give_up = Clock::now() + std::chrono::seconds(120);
    while (Clock::now() < give_up) {
      const int settled = Welcomed() - before + Failed() - failed_before;
      if (settled >= count) break;
      while (started < count && started - settled < window) {
        Loop& loop = *loops_[next_++ % loops_.size()];
        auto conn = std::make_unique<Conn>(loop);
        conn->target = "/api/v1/ws/sessions?token=bench-" + std::to_string(next_);
        Conn& c = *conn;
        conns_.push_back(std::move(conn));
        asio::co_spawn(loop.io, RunClient(counters_, c, server_), asio::detached);
        ++started;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return Welcomed() - before;
  }

  // Closes every connection and waits for their coroutines to end.
  void CloseAll() {
    ForEach([](Conn& c) {
      beast::error_code ignored;
      beast::get_lowest_layer(c.ws).socket().close(ignored);
    });
    const auto give_up = Clock::now() + std::chrono::seconds(10);
    int running = 1;
    while (running > 0 && Clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      running = 0;
      ForEach([&running](Conn& c) { running += !c.finished; });
    }
    if (running > 0) {
      // Not freed: a coroutine may still use them.
      retired_.insert(retired_.end(), std::make_move_iterator(conns_.begin()),
                      std::make_move_iterator(conns_.end()));
    }
    conns_.clear();
  }

  int OpenCount() {
    int n = 0;
    ForEach([&n](Conn& c) { n += c.open; });
    return n;
  }

  // Replaces the connections that were closed (a dropped client reconnects, as browsers do).
  int Refill() {
    const int missing = static_cast<int>(conns_.size()) - OpenCount();
    if (missing <= 0) return 0;
    std::vector<std::unique_ptr<Conn>> keep;
    ForEach([](Conn&) {});  // the closes seen so far are final: `finished` is set with them
    for (auto& loop : loops_) {
      loop->Run([&] {
        for (auto& c : conns_) {
          if (!c || &c->loop != loop.get()) continue;
          if (c->open || !c->finished) {
            keep.push_back(std::move(c));
          } else {
            c.reset();  // its coroutine is over
          }
        }
      });
    }
    conns_ = std::move(keep);
    return Open(missing);
  }

  int Welcomed() const { return counters_.welcomed.load(); }
  int Failed() const { return counters_.failed.load(); }
  int Closed() const { return counters_.closed.load(); }

 private:
  // Runs fn on each connection, on its own io thread.
  template <class Fn>
  void ForEach(Fn fn) {
    for (auto& loop : loops_) {
      loop->Run([&] {
        for (auto& c : conns_) {
          if (c && &c->loop == loop.get()) fn(*c);
        }
      });
    }
  }

  std::vector<std::unique_ptr<Loop>>& loops_;
  tcp::endpoint server_;
  FleetCounters counters_;
  size_t next_ = 0;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<std::unique_ptr<Conn>> retired_;  // coroutines may still hold them
};

// ---- measurements ----

struct StepResult {
  std::string step;
  double offered = 0;    // messages per second asked for (0: as fast as it goes)
  double delivered = 0;  // messages per second
  uint64_t messages = 0;
  uint64_t expected = 0;
  double p50 = 0;
  double p99 = 0;
  double max = 0;
  double p99_sent = 0;  // from sentNs rather than dueNs
  int dropped = 0;
  double server_cpu_us = 0;  // per delivered message
  double client_cpu_us = 0;
  double seconds = 0;
};

struct Server {
  std::string name;
  std::unique_ptr<Child> child;
  std::unique_ptr<Fleet> fleet;
  uint16_t port = 0;
};

class Driver {
 public:
  explicit Driver(const Options& o) : o_(o) {
    for (int i = 0; i < o.threads; ++i) {
      auto loop = std::make_unique<Loop>();
      loop->thread = std::thread([l = loop.get()] {
        auto guard = asio::make_work_guard(l->io);
        l->io.run();
      });
      loops_.push_back(std::move(loop));
    }
  }
  ~Driver() {
    for (auto& loop : loops_) loop->io.stop();
    for (auto& loop : loops_) loop->thread.join();
  }

  std::vector<std::unique_ptr<Loop>>& loops() { return loops_; }

  void ResetCounters() {
    for (auto& loop : loops_) {
      loop->Run([&loop] {
        loop->latency.Clear();
        loop->since_sent.Clear();
        loop->delivered = 0;
        loop->last_receive_ns = 0;
      });
    }
  }
  uint64_t Delivered() const {
    uint64_t n = 0;
    for (auto& loop : loops_) n += loop->delivered.load();
    return n;
  }

  // One publish command and everything it delivers.
  StepResult Step(Server& s, const std::string& label, double rate, int events) {
    StepResult r;
    r.step = label;
    const int clients = s.fleet->OpenCount();
    const int closed_before = s.fleet->Closed();
    r.offered = rate * clients;
    r.expected = static_cast<uint64_t>(events) * static_cast<uint64_t>(clients);
    ResetCounters();
    const double server_cpu0 = CpuSeconds(s.child->pid());
    const double client_cpu0 = OwnCpuSeconds();
    const int64_t start = NowNs();
    const auto publish_limit = std::chrono::milliseconds(
        static_cast<int64_t>(rate > 0 ? events / rate * 1000 : 0) + 60000);
    s.child->Ask("publish " + std::to_string(rate) + " " + std::to_string(events) + " " +
                     std::to_string(o_.size),
                 "done", publish_limit);
    // Until everything has arrived, or nothing has for a second.
    uint64_t last = Delivered();
    auto last_progress = Clock::now();
    while (Delivered() < r.expected && Clock::now() - last_progress < std::chrono::seconds(1)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (const uint64_t now = Delivered(); now != last) {
        last = now;
        last_progress = Clock::now();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // anything late, and the closes
    Histogram latency;
    Histogram since_sent;
    int64_t last_receive = 0;
    for (auto& loop : loops_) {
      loop->Run([&] {
        latency.Merge(loop->latency);
        since_sent.Merge(loop->since_sent);
        last_receive = std::max(last_receive, loop->last_receive_ns.load());
        message_bytes_ = std::max(message_bytes_, loop->message_bytes);
      });
    }
    r.messages = latency.count();
    r.seconds = static_cast<double>(last_receive - start) / 1e9;
    r.delivered = r.seconds > 0 ? static_cast<double>(r.messages) / r.seconds : 0;
    r.p50 = latency.PercentileMs(50);
    r.p99 = latency.PercentileMs(99);
    r.max = latency.MaxMs();
    r.p99_sent = since_sent.PercentileMs(99);
    r.dropped = s.fleet->Closed() - closed_before;
    const double m = std::max<double>(1, static_cast<double>(r.messages));
    r.server_cpu_us = (CpuSeconds(s.child->pid()) - server_cpu0) / m * 1e6;
    r.client_cpu_us = (OwnCpuSeconds() - client_cpu0) / m * 1e6;
    if (since_sent.negative() > 0) {
      std::printf("  WARNING: %llu negative latencies on %s: clocks differ\n",
                  static_cast<unsigned long long>(since_sent.negative()), s.name.c_str());
    }
    return r;
  }

  size_t message_bytes() const { return message_bytes_; }

 private:
  const Options& o_;
  std::vector<std::unique_ptr<Loop>> loops_;
  size_t message_bytes_ = 0;
};

struct IdleResult {
  long rss_before = 0;
  long rss_after = 0;
  long heap_before = -1;  // malloc'd bytes (streamspace only)
  long heap_after = -1;
  int connections = 0;
  double seconds = 0;
  double KibPerConnection() const {
    return connections > 0 ? static_cast<double>(rss_after - rss_before) / connections : 0;
  }
};

IdleResult MeasureIdle(Driver& driver, Server& s, int count) {
  IdleResult r;
  Fleet fleet(driver.loops(), s.port);
  const bool has_heap = s.name == "streamspace";
  r.rss_before = std::stol(s.child->Ask("rss", "rss"));
  if (has_heap) r.heap_before = std::stol(s.child->Ask("heap", "heap"));
  const auto t0 = Clock::now();
  r.connections = fleet.Open(count);
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::this_thread::sleep_for(std::chrono::seconds(1));  // let the last frames settle
  const int server_count = std::stoi(s.child->Ask("clients", "clients"));
  if (server_count != r.connections) {
    std::printf("  note: %s counts %d clients, %d were welcomed\n", s.name.c_str(), server_count,
                r.connections);
  }
  r.rss_after = std::stol(s.child->Ask("rss", "rss"));
  if (has_heap) r.heap_after = std::stol(s.child->Ask("heap", "heap"));
  fleet.CloseAll();
  // Until the server has let them all go.
  const auto give_up = Clock::now() + std::chrono::seconds(20);
  while (std::stoi(s.child->Ask("clients", "clients")) > 0 && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return r;
}

// ---- report ----

std::string CommandOutput(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

std::string Ratio(double a, double b) {
  if (b <= 0 || a < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", a / b);
  return buf;
}

void PrintStepHeader() {
  std::printf("  %-14s %-12s %10s %11s %8s %8s %8s %9s %7s %8s %10s %10s\n", "step", "server",
              "offered/s", "delivered/s", "p50 ms", "p99 ms", "max ms", "p99 sent", "dropped",
              "missing", "srv us/msg", "cli us/msg");
}

void PrintStep(const std::string& server, const StepResult& r) {
  char offered[32];
  if (r.offered > 0) {
    std::snprintf(offered, sizeof offered, "%.0f", r.offered);
  } else {
    std::snprintf(offered, sizeof offered, "max");
  }
  std::printf("  %-14s %-12s %10s %11.0f %8.2f %8.2f %8.1f %9.2f %7d %8lld %10.2f %10.2f\n",
              r.step.c_str(), server.c_str(), offered, r.delivered, r.p50, r.p99, r.max, r.p99_sent,
              r.dropped, static_cast<long long>(r.expected) - static_cast<long long>(r.messages),
              r.server_cpu_us, r.client_cpu_us);
  std::fflush(stdout);
}

// Every step of one server, and how each figure compares.
struct StepSummary {
  std::vector<double> delivered, p50, p99, max, p99_sent, cpu;
  int dropped = 0;
  long long missing = 0;
  void Add(const StepResult& r) {
    delivered.push_back(r.delivered);
    p50.push_back(r.p50);
    p99.push_back(r.p99);
    max.push_back(r.max);
    p99_sent.push_back(r.p99_sent);
    cpu.push_back(r.server_cpu_us);
    dropped += r.dropped;
    missing += static_cast<long long>(r.expected) - static_cast<long long>(r.messages);
  }
};

int Main(const Options& o) {
  const rlim_t files = RaiseFileLimit();
  const bool have_node =
      o.node && InPath("node") &&
      std::filesystem::exists(std::filesystem::path(SP_HUB_BENCH_NODE_SERVER).parent_path() /
                              "node_modules" / "ws" / "package.json");
  std::string ws_version;
  if (have_node) {
    ws_version = CommandOutput("node -p \"require('" +
                               (std::filesystem::path(SP_HUB_BENCH_NODE_SERVER).parent_path() /
                                "node_modules" / "ws" / "package.json")
                                   .string() +
                               "').version\"");
  }
  std::printf(
      "sp_hub_bench  %s  cores=%u  load=%s  streamspace build: %s  node %s, ws %s\n"
      "clients=%d  idle connections=%d  pad=%d B  client threads=%d  RLIMIT_NOFILE=%llu\n",
      Today().c_str(), std::thread::hardware_concurrency(), LoadAverage().c_str(),
      SP_BENCH_BUILD_TYPE, have_node ? CommandOutput("node --version").c_str() : "-",
      have_node ? ws_version.c_str() : "-", o.clients, o.idle, o.size, o.threads,
      static_cast<unsigned long long>(files));
  if (o.node && !have_node) {
    std::printf("SKIP node: node or bench/node_modules/ws is missing (cd bench && npm ci)\n");
  }
  if (static_cast<rlim_t>(o.idle) + 100 > files) {
    std::printf("note: RLIMIT_NOFILE %llu is too low for %d idle connections\n",
                static_cast<unsigned long long>(files), o.idle);
  }

  const std::string log_dir = std::filesystem::temp_directory_path() / "sp_hub_bench";
  std::filesystem::create_directories(log_dir);
  Driver driver(o);  // before the servers: their connections need its loops to close
  std::vector<Server> servers;
  if (o.streamspace) {
    Server s;
    s.name = "streamspace";
    s.child = std::make_unique<Child>(s.name, std::vector<std::string>{o.server_path, "0"},
                                      log_dir + "/streamspace.log");
    servers.push_back(std::move(s));
  }
  if (have_node) {
    Server s;
    s.name = "node-ws";
    s.child = std::make_unique<Child>(
        s.name, std::vector<std::string>{"node", SP_HUB_BENCH_NODE_SERVER, "0"},
        log_dir + "/node.log");
    servers.push_back(std::move(s));
  }
  if (servers.empty()) return 0;
  for (auto& s : servers) {
    s.port = s.child->WaitReady();
    // The same clock: the server's steady_clock reading falls between two of ours.
    const int64_t before = NowNs();
    const int64_t theirs = std::stoll(s.child->Ask("now", "now"));
    const int64_t after = NowNs();
    std::printf("%s: pid %d, port %u, log %s/%s.log; clock check: ours %s theirs (%+.3f ms)\n",
                s.name.c_str(), s.child->pid(), s.port, log_dir.c_str(),
                s.name == "node-ws" ? "node" : s.name.c_str(),
                before <= theirs && theirs <= after ? "brackets" : "DOES NOT bracket",
                static_cast<double>(theirs - (before + after) / 2) / 1e6);
  }

  // 1. Idle memory, each server fresh.
  std::printf("\nIdle connections (%d each, connected %d handshakes at a time):\n", o.idle, 200);
  std::printf("  %-12s %12s %12s %12s %10s %10s\n", "server", "connected", "RSS before",
              "RSS after", "KiB/conn", "connect s");
  std::map<std::string, IdleResult> idle;
  for (auto& s : servers) {
    const IdleResult r = MeasureIdle(driver, s, o.idle);
    idle[s.name] = r;
    std::printf("  %-12s %12d %9ld KiB %9ld KiB %10.2f %10.2f\n", s.name.c_str(), r.connections,
                r.rss_before, r.rss_after, r.KibPerConnection(), r.seconds);
    if (r.heap_before >= 0 && r.connections > 0) {
      std::printf("  %-12s of which malloc'd (mallinfo2 in use): %.2f KiB/conn\n", "",
                  static_cast<double>(r.heap_after - r.heap_before) / 1024.0 / r.connections);
    }
    std::fflush(stdout);
  }

  // 2. Fan-out: every server's clients connected at once; steps alternate between servers.
  for (auto& s : servers) {
    s.fleet = std::make_unique<Fleet>(driver.loops(), s.port);
    const int n = s.fleet->Open(o.clients);
    if (n != o.clients)
      std::printf("note: %s welcomed %d of %d clients\n", s.name.c_str(), n, o.clients);
  }
  std::printf(
      "\nFan-out to %d clients (offered and delivered: messages per second, all clients):\n",
      o.clients);
  PrintStepHeader();
  std::map<std::string, std::map<std::string, StepSummary>> summary;  // step -> server
  std::vector<std::string> step_order;
  std::vector<Server*> order;
  for (auto& s : servers) order.push_back(&s);
  auto run = [&](const std::string& label, double rate, int events) {
    if (std::find(step_order.begin(), step_order.end(), label) == step_order.end()) {
      step_order.push_back(label);
    }
    for (Server* s : order) {
      if (const int refilled = s->fleet->Refill(); refilled > 0) {
        std::printf("  (%s: %d dropped clients reconnected)\n", s->name.c_str(), refilled);
      }
      const StepResult r = driver.Step(*s, label, rate, events);
      summary[label][s->name].Add(r);
      PrintStep(s->name, r);
    }
  };
  for (int round = 0; round < o.rounds; ++round) {
    std::printf("  -- round %d of %d: %s first\n", round + 1, o.rounds,
                order.front()->name.c_str());
    for (double rate : o.rates) {
      char label[32];
      std::snprintf(label, sizeof label, "%.0f ev/s", rate);
      run(label, rate, std::max(1, static_cast<int>(rate * o.step_seconds)));
    }
    for (int b = 0; b < o.bursts; ++b) {
      run("burst " + std::to_string(o.burst_events), 0, o.burst_events);
    }
    std::reverse(order.begin(), order.end());  // who goes first alternates
  }
  std::printf("  (message size on the wire: %zu B of payload)\n", driver.message_bytes());

  // 3. Summary and ratios.
  if (servers.size() == 2) {
    const std::string a = servers[0].name;
    const std::string b = servers[1].name;
    std::printf("\nSummary (median over the step's runs; dropped: total), ratio = %s / %s:\n",
                a.c_str(), b.c_str());
    std::printf("  %-14s %-10s %14s %14s %8s\n", "step", "figure", a.c_str(), b.c_str(), "ratio");
    for (const auto& label : step_order) {
      auto& sa = summary[label][a];
      auto& sb = summary[label][b];
      auto line = [&](const char* figure, double va, double vb, const char* fmt) {
        char ca[32];
        char cb[32];
        std::snprintf(ca, sizeof ca, fmt, va);
        std::snprintf(cb, sizeof cb, fmt, vb);
        std::printf("  %-14s %-10s %14s %14s %8s\n", label.c_str(), figure, ca, cb,
                    Ratio(va, vb).c_str());
      };
      line("msg/s", Median(sa.delivered), Median(sb.delivered), "%.0f");
      line("p50 ms", Median(sa.p50), Median(sb.p50), "%.2f");
      line("p99 ms", Median(sa.p99), Median(sb.p99), "%.2f");
      line("p99 sent", Median(sa.p99_sent), Median(sb.p99_sent), "%.2f");
      line("us/msg", Median(sa.cpu), Median(sb.cpu), "%.2f");
      std::printf("  %-14s %-10s %14d %14d\n", label.c_str(), "dropped", sa.dropped, sb.dropped);
    }
    const double ka = idle[a].KibPerConnection();
    const double kb = idle[b].KibPerConnection();
    std::printf("  %-14s %-10s %14.2f %14.2f %8s\n", "idle", "KiB/conn", ka, kb,
                Ratio(ka, kb).c_str());
  }
  for (auto& s : servers) {
    s.fleet->CloseAll();
    s.child->Stop();
  }
  return 0;
}

std::vector<double> ParseList(const std::string& csv) {
  std::vector<double> out;
  std::istringstream in(csv);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(std::stod(item));
  }
  return out;
}

}  // namespace
}  // namespace sp::bench

int main(int argc, char** argv) {
  sp::bench::Options o;
  o.server_path =
      (std::filesystem::canonical("/proc/self/exe").parent_path() / "sp_hub_bench_server").string();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--clients") {
      o.clients = std::stoi(value());
    } else if (arg == "--idle") {
      o.idle = std::stoi(value());
    } else if (arg == "--rates") {
      o.rates = sp::bench::ParseList(value());
    } else if (arg == "--step-seconds") {
      o.step_seconds = std::stod(value());
    } else if (arg == "--rounds") {
      o.rounds = std::max(1, std::stoi(value()));
    } else if (arg == "--bursts") {
      o.bursts = std::stoi(value());
    } else if (arg == "--burst-events") {
      o.burst_events = std::stoi(value());
    } else if (arg == "--size") {
      o.size = std::stoi(value());
    } else if (arg == "--threads") {
      o.threads = std::max(1, std::stoi(value()));
    } else if (arg == "--only") {
      const std::string which = value();
      o.streamspace = which == "streamspace";
      o.node = which == "node";
    } else if (arg == "--server") {
      o.server_path = value();
    } else {
      std::fprintf(stderr,
                   "usage: sp_hub_bench [--clients N] [--idle N] [--rates R,R,...] "
                   "[--step-seconds S] [--rounds N] [--bursts N] [--burst-events N] [--size BYTES] "
                   "[--threads N] [--only streamspace|node] [--server PATH]\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  try {
    return sp::bench::Main(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sp_hub_bench: %s\n", e.what());
    return 1;
  }
}
