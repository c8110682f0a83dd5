// The VNC path benchmark (DESIGN.md, "Performance targets"): one RFB stream measured several
// ways in the same run, reported as ratios against websockify.
//
//   a   raw: RFB client on Xvnc's unix socket (the bench's own Xvnc, 1920x1080)
//   a'  raw: RFB client on the same Xvnc's TCP port
//   b   client -> WebSocket -> websockify -> Xvnc TCP port (the reference of the targets)
//   b'  client -> WebSocket -> websockify --unix-target -> Xvnc unix socket
//   c   client -> WebSocket -> `streamspace serve` (built-in agent) -> agent tunnel -> Xvnc of a
//       real `terminal` session (its own geometry, 1280x800 by default)
//
// Stream: after the handshake and SetRawEncoding, non-incremental full-screen update requests,
// one at a time, each read whole; bytes = Raw pixel bytes received. CPU: utime + stime from
// /proc/<pid>/stat of the process(es) in the path (websockify and its per-connection child;
// the streamspace server, which also runs the built-in agent) and of Xvnc and this client,
// before and after each block of updates. Latency: a 1x1 non-incremental update request -> its
// reply. All variants are connected at once and take turns (blocks of updates, then single
// round trips), so that the load of a shared machine falls on them alike. Nothing here asserts
// anything; read the ratios.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "bench/bench_support.hpp"
#include "bench/report_header.hpp"
#include "tests/support/rfb_client.hpp"
#include "tests/support/session_checks.hpp"
#include "tests/support/test_server.hpp"
#include "tests/support/ws_client.hpp"

#ifndef SP_BENCH_BUILD_TYPE
#define SP_BENCH_BUILD_TYPE "unknown"
#endif

namespace sp::bench {
namespace {

using nlohmann::json;

constexpr int kWidth = 1920;
constexpr int kHeight = 1080;
constexpr double kMB = 1e6;
constexpr double kGB = 1e9;

struct Options {
  int updates = 200;  // full updates per variant at 1920x1080; (c) is scaled to the same bytes
  int block = 20;     // updates per turn of a variant before the next one streams
  int samples = 1000;
  int rounds = 3;
  int warmup = 5;
};

// One viewer connection: the WebSocket (when there is one) and the RFB byte stream over it.
struct Connection {
  std::unique_ptr<test::WsClient> ws;             // destroyed after the transport
  std::unique_ptr<test::RfbTransport> transport;  // refers to *ws for WebSocket variants
};

struct Variant {
  std::string key;
  std::string label;
  std::function<Connection()> connect;
  int path_pid = -1;       // the process between client and Xvnc; -1: none
  bool path_tree = false;  // count its descendants too (websockify forks one per connection)
  int xvnc_pid = -1;
  bool scale_updates = false;  // stream the same bytes as a 1920x1080 run
};

struct Result {
  std::string key;
  std::string label;
  int width = 0;
  int height = 0;
  int updates = 0;
  double bytes = 0;
  double seconds = 0;
  double path_cpu = NAN;  // CPU seconds of the path during the stream
  double xvnc_cpu = NAN;
  double client_cpu = NAN;
  double p50_us = 0;
  double p99_us = 0;

  double MBps() const { return bytes / kMB / seconds; }
  double PerGB(double cpu) const { return cpu / (bytes / kGB); }
};

// A variant's open connection during a round.
struct Live {
  const Variant* variant = nullptr;
  Connection connection;
  std::unique_ptr<test::RfbClient> rfb;
  std::unique_ptr<RawUpdateReader> reader;
  std::vector<int> path_pids;
  int block = 0;
  int done = 0;
  Result result;
  std::vector<double> latency;
  std::string error;  // set when the variant failed; it then takes no further turns
};

double SumCpu(const std::vector<int>& pids) {
  double total = 0;
  for (int pid : pids) total += std::max(0.0, CpuSeconds(pid));
  return total;
}

std::unique_ptr<Live> Open(const Variant& v, const Options& o) {
  auto live = std::make_unique<Live>();
  live->variant = &v;
  live->connection = v.connect();
  live->rfb = std::make_unique<test::RfbClient>(*live->connection.transport);
  const test::ServerInit init = live->rfb->Handshake(/*shared=*/true);
  live->rfb->SetRawEncoding();
  live->reader = std::make_unique<RawUpdateReader>(*live->connection.transport, init.width,
                                                   init.height, /*keep_pixels=*/false);
  for (int i = 0; i < o.warmup; ++i) {
    live->rfb->RequestFullUpdate(false);
    live->reader->ReadUpdate();
  }
  Result& r = live->result;
  r = Result{.key = v.key, .label = v.label, .width = init.width, .height = init.height};
  r.path_cpu = v.path_pid > 0 ? 0 : NAN;
  r.xvnc_cpu = v.xvnc_pid > 0 ? 0 : NAN;
  r.client_cpu = 0;
  const double scale = v.scale_updates ? static_cast<double>(kWidth) * kHeight /
                                             (static_cast<double>(init.width) * init.height)
                                       : 1.0;
  r.updates = static_cast<int>(std::lround(o.updates * scale));
  live->block = std::max(1, static_cast<int>(std::lround(o.block * scale)));
  // Taken now that this connection exists: websockify's child for it is among the descendants.
  if (v.path_pid > 0) {
    live->path_pids = {v.path_pid};
    if (v.path_tree) {
      for (int p : Descendants(v.path_pid)) live->path_pids.push_back(p);
    }
  }
  return live;
}

// One turn: up to `block` full updates, with the wall time and CPU of just those.
void StreamBlock(Live& live) {
  const Variant& v = *live.variant;
  Result& r = live.result;
  const int n = std::min(live.block, r.updates - live.done);
  const int self = static_cast<int>(::getpid());
  const double path0 = SumCpu(live.path_pids);
  const double xvnc0 = v.xvnc_pid > 0 ? CpuSeconds(v.xvnc_pid) : 0;
  const double self0 = CpuSeconds(self);
  const auto t0 = Clock::now();
  uint64_t bytes = 0;
  for (int i = 0; i < n; ++i) {
    live.rfb->RequestFullUpdate(false);
    bytes += live.reader->ReadUpdate();
  }
  const auto t1 = Clock::now();
  r.client_cpu += CpuSeconds(self) - self0;
  if (v.xvnc_pid > 0) r.xvnc_cpu += CpuSeconds(v.xvnc_pid) - xvnc0;
  if (v.path_pid > 0) r.path_cpu += SumCpu(live.path_pids) - path0;
  r.seconds += std::chrono::duration<double>(t1 - t0).count();
  r.bytes += static_cast<double>(bytes);
  live.done += n;
}

void LatencySample(Live& live) {
  const auto s0 = Clock::now();
  live.rfb->RequestUpdate(false, 0, 0, 1, 1);
  live.reader->ReadUpdate();
  live.latency.push_back(std::chrono::duration<double, std::micro>(Clock::now() - s0).count());
}

// Every variant at once, interleaved so that a change of the machine's load during the round
// hits them all alike: the streams take turns of `block` updates, the latency probes
// alternate one round trip at a time. Returns the variants that completed, in order.
std::vector<Result> RunRound(const std::vector<Variant>& variants, const Options& o) {
  std::vector<std::unique_ptr<Live>> lives;
  for (const auto& v : variants) {
    try {
      lives.push_back(Open(v, o));
    } catch (const std::exception& e) {
      std::printf("%-3s %-44s FAILED to connect: %s\n", v.key.c_str(), v.label.c_str(), e.what());
    }
  }
  auto turn = [](Live& live, auto&& action) {
    if (!live.error.empty()) return;
    try {
      action(live);
    } catch (const std::exception& e) {
      live.error = e.what();
    }
  };
  for (bool more = true; more;) {
    more = false;
    for (auto& live : lives) {
      if (live->error.empty() && live->done < live->result.updates) {
        turn(*live, StreamBlock);
        more = true;
      }
    }
  }
  for (int i = 0; i < o.samples; ++i) {
    for (auto& live : lives) turn(*live, LatencySample);
  }
  std::vector<Result> results;
  for (auto& live : lives) {
    if (live->connection.ws) live->connection.ws->Close();
    if (!live->error.empty()) {
      std::printf("%-3s %-44s FAILED: %s\n", live->result.key.c_str(), live->result.label.c_str(),
                  live->error.c_str());
      continue;
    }
    live->result.p50_us = Percentile(live->latency, 50);
    live->result.p99_us = Percentile(live->latency, 99);
    results.push_back(live->result);
  }
  return results;
}

std::string Cell(double v, const char* fmt) {
  if (std::isnan(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

void PrintHeader() {
  std::printf("%-3s %-44s %-9s %7s %8s %8s %9s %9s %9s %8s %8s\n", "", "path", "geometry",
              "updates", "MB", "MB/s", "path s/GB", "Xvnc s/GB", "clnt s/GB", "p50 us", "p99 us");
}

void PrintRow(const Result& r) {
  const std::string geometry = std::to_string(r.width) + "x" + std::to_string(r.height);
  std::printf("%-3s %-44s %-9s %7d %8.0f %8.1f %9s %9s %9s %8.1f %8.1f\n", r.key.c_str(),
              r.label.c_str(), geometry.c_str(), r.updates, r.bytes / kMB, r.MBps(),
              Cell(r.PerGB(r.path_cpu), "%.3f").c_str(), Cell(r.PerGB(r.xvnc_cpu), "%.3f").c_str(),
              Cell(r.PerGB(r.client_cpu), "%.3f").c_str(), r.p50_us, r.p99_us);
}

// The median of each column over the rounds of one variant.
Result MedianOf(const std::vector<Result>& rounds) {
  Result m = rounds.front();
  auto median = [&](auto field) {
    std::vector<double> v;
    v.reserve(rounds.size());
    for (const auto& r : rounds) v.push_back(field(r));
    return Median(v);
  };
  const double mbps = median([](const Result& r) { return r.MBps(); });
  // Keep bytes and updates of the first round and set seconds so that MBps() is the median.
  m.seconds = m.bytes / kMB / mbps;
  const double gb = m.bytes / kGB;
  m.path_cpu = median([](const Result& r) { return r.PerGB(r.path_cpu); }) * gb;
  m.xvnc_cpu = median([](const Result& r) { return r.PerGB(r.xvnc_cpu); }) * gb;
  m.client_cpu = median([](const Result& r) { return r.PerGB(r.client_cpu); }) * gb;
  m.p50_us = median([](const Result& r) { return r.p50_us; });
  m.p99_us = median([](const Result& r) { return r.p99_us; });
  return m;
}

const Result* Find(const std::vector<Result>& results, const std::string& key) {
  for (const auto& r : results) {
    if (r.key == key) return &r;
  }
  return nullptr;
}

void PrintRatios(const std::vector<Result>& results, const std::string& reference) {
  const Result* c = Find(results, "c");
  const Result* b = Find(results, reference);
  if (c == nullptr || b == nullptr) {
    std::printf("ratios (c)/(%s): not available (a variant did not run)\n", reference.c_str());
    return;
  }
  const double throughput = c->MBps() / b->MBps();
  const double cpu = c->PerGB(c->path_cpu) / b->PerGB(b->path_cpu);
  const double p99 = c->p99_us / b->p99_us;
  std::printf(
      "(c)/(%s): throughput %.2fx [target >= 2.00: %s]  CPU per GB %.2fx [target <= 0.33: %s]"
      "  p99 %.2fx [target <= 1.00: %s]\n",
      reference.c_str(), throughput, throughput >= 2.0 ? "met" : "missed", cpu,
      cpu <= 1.0 / 3.0 ? "met" : "missed", p99, p99 <= 1.0 ? "met" : "missed");
}

std::string Tail(const std::string& path, size_t max_chars = 2000) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return s.size() > max_chars ? s.substr(s.size() - max_chars) : s;
}

// Processes this benchmark starts itself; stopped (by pid) in reverse order.
class Children {
 public:
  Children() = default;
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;
  ~Children() {
    for (auto it = pids_.rbegin(); it != pids_.rend(); ++it) Terminate(*it);
  }
  pid_t Add(pid_t pid) {
    pids_.push_back(pid);
    return pid;
  }

 private:
  std::vector<pid_t> pids_;
};

int FreeDisplay() {
  for (int n = 40; n < 100; ++n) {
    if (!std::filesystem::exists("/tmp/.X" + std::to_string(n) + "-lock") &&
        !std::filesystem::exists("/tmp/.X11-unix/X" + std::to_string(n))) {
      return n;
    }
  }
  throw std::runtime_error("no free X display number in :40..:99");
}

// Connects to an RFB endpoint until it answers, then waits (bounded) until the screen is not
// one colour, so that the stream carries a drawn desktop.
bool WaitUntilDrawn(const std::function<Connection()>& connect, std::chrono::seconds limit) {
  const auto give_up = Clock::now() + limit;
  while (Clock::now() < give_up) {
    try {
      Connection c = connect();
      test::RfbClient rfb(*c.transport);
      const auto init = rfb.Handshake(true);
      rfb.SetRawEncoding();
      RawUpdateReader reader(*c.transport, init.width, init.height, /*keep_pixels=*/true);
      rfb.RequestFullUpdate(false);
      reader.ReadUpdate();
      while (!reader.NotUniform() && Clock::now() < give_up) {
        rfb.RequestFullUpdate(true);  // answered when something is drawn
        reader.ReadUpdate();
      }
      const bool drawn = reader.NotUniform();
      if (c.ws) c.ws->Close();
      return drawn;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return false;
}

int Main(const Options& o) {
  std::printf("sp_vnc_path_bench  %s  cores=%u  load=%s  streamspace build: %s\n", Today().c_str(),
              std::thread::hardware_concurrency(), LoadAverage().c_str(), SP_BENCH_BUILD_TYPE);
  std::printf(
      "updates=%d in turns of %d (1920x1080; (c) scaled to the same bytes) warmup=%d "
      "latency samples=%d rounds=%d; MB = 1e6 bytes, GB = 1e9 bytes\n",
      o.updates, o.block, o.warmup, o.samples, o.rounds);
  if (!InPath("Xvnc") || !InPath("xterm")) {
    std::printf("SKIP: Xvnc or xterm is not installed (scripts/setup.sh installs them)\n");
    return 0;
  }
  const bool have_websockify = InPath("websockify");
  if (!have_websockify) {
    std::printf(
        "SKIP (b), (b'): websockify is not installed (scripts/setup.sh --test, or "
        "apt-get install websockify)\n");
  }
  const bool have_bwrap = InPath("bwrap");
  if (!have_bwrap) std::printf("SKIP (c): bwrap is not installed: sessions cannot start\n");

  char tmpl[] = "/tmp/sp-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::string dir = tmpl;
  struct RemoveDir {
    std::string path;
    ~RemoveDir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } remove_dir{dir};
  Children children;

  // One Xvnc for (a) and (b), with an xterm on it.
  const int display = FreeDisplay();
  const uint16_t rfb_port = FreeTcpPort();
  const std::string vnc_socket = dir + "/vnc.sock";
  const std::string xvnc_log = dir + "/xvnc.log";
  const pid_t xvnc =
      children.Add(Spawn({"Xvnc", ":" + std::to_string(display), "-rfbport",
                          std::to_string(rfb_port), "-SecurityTypes", "None", "-localhost",
                          "-geometry", std::to_string(kWidth) + "x" + std::to_string(kHeight),
                          "-depth", "24", "-rfbunixpath", vnc_socket, "-desktop", "sp-bench"},
                         {}, xvnc_log));
  auto connect_unix = [&] {
    Connection c;
    c.transport = std::make_unique<test::UnixSocketTransport>(vnc_socket);
    return c;
  };
  // xterm only once the display is up (Xvnc greets on its RFB socket by then).
  for (const auto give_up = Clock::now() + std::chrono::seconds(20);;) {
    try {
      Connection c = connect_unix();
      c.transport->Read(12);  // "RFB 003.008\n"
      break;
    } catch (const std::exception&) {
      if (Clock::now() > give_up || !ChildAlive(xvnc)) {
        throw std::runtime_error("Xvnc did not start; its log:\n" + Tail(xvnc_log));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  children.Add(Spawn({"xterm", "-geometry", "200x60+0+0"},
                     {{"DISPLAY", ":" + std::to_string(display)}}, dir + "/xterm.log"));
  auto connect_tcp = [&] {
    Connection c;
    c.transport = std::make_unique<test::TcpTransport>("127.0.0.1", rfb_port);
    return c;
  };
  if (!WaitUntilDrawn(connect_unix, std::chrono::seconds(20))) {
    throw std::runtime_error("Xvnc :" + std::to_string(display) +
                             " did not show a drawn xterm; its log:\n" + Tail(xvnc_log));
  }
  std::printf("(a),(b): Xvnc :%d pid %d, 1920x1080 depth 24, TCP 127.0.0.1:%u and %s\n", display,
              xvnc, rfb_port, vnc_socket.c_str());

  std::vector<Variant> variants;
  variants.push_back(
      {.key = "a", .label = "raw: Xvnc unix socket", .connect = connect_unix, .xvnc_pid = xvnc});
  variants.push_back(
      {.key = "a'", .label = "raw: Xvnc TCP", .connect = connect_tcp, .xvnc_pid = xvnc});

  if (have_websockify) {
    auto ws_connect = [](uint16_t port) {
      return [port] {
        Connection c;
        int status = 0;
        c.ws = test::WsClient::Connect(port, "/", {}, "binary", &status);
        if (!c.ws) throw std::runtime_error("websockify upgrade failed: " + std::to_string(status));
        c.transport = std::make_unique<test::WsRfbTransport>(*c.ws);
        return c;
      };
    };
    const uint16_t wsp_tcp = FreeTcpPort();
    const pid_t ws_tcp = children.Add(Spawn({"websockify", "127.0.0.1:" + std::to_string(wsp_tcp),
                                             "127.0.0.1:" + std::to_string(rfb_port)},
                                            {}, dir + "/websockify-tcp.log"));
    const uint16_t wsp_unix = FreeTcpPort();
    const pid_t ws_unix = children.Add(Spawn(
        {"websockify", "--unix-target=" + vnc_socket, "127.0.0.1:" + std::to_string(wsp_unix)}, {},
        dir + "/websockify-unix.log"));
    if (!WaitForTcp(wsp_tcp, std::chrono::seconds(20)) ||
        !WaitForTcp(wsp_unix, std::chrono::seconds(20))) {
      throw std::runtime_error("websockify did not listen:\n" + Tail(dir + "/websockify-tcp.log") +
                               Tail(dir + "/websockify-unix.log"));
    }
    std::printf(
        "(b): websockify pid %d on 127.0.0.1:%u -> 127.0.0.1:%u; (b'): pid %d on "
        "127.0.0.1:%u -> unix socket\n",
        ws_tcp, wsp_tcp, rfb_port, ws_unix, wsp_unix);
    variants.push_back({.key = "b",
                        .label = "WS -> websockify -> Xvnc TCP",
                        .connect = ws_connect(wsp_tcp),
                        .path_pid = ws_tcp,
                        .path_tree = true,
                        .xvnc_pid = xvnc});
    variants.push_back({.key = "b'",
                        .label = "WS -> websockify -> Xvnc unix socket",
                        .connect = ws_connect(wsp_unix),
                        .path_pid = ws_unix,
                        .path_tree = true,
                        .xvnc_pid = xvnc});
  }

  // (c): the real server, a real terminal session.
  std::unique_ptr<test::TestServer> server;
  std::string token;
  std::string session_id;
  if (have_bwrap) {
    try {
      server = std::make_unique<test::TestServer>();
      token = server->SetupAndLoginAdmin();
      auto created = server->http().Post("/api/v1/sessions", {{"template", "terminal"}}, token);
      if (created.status != 201) {
        throw std::runtime_error("POST /api/v1/sessions: " + std::to_string(created.status) + " " +
                                 created.body);
      }
      session_id = created.Json()["id"].get<std::string>();
      const json s = test::WaitForSessionState(*server, token, session_id, "running",
                                               std::chrono::seconds(60));
      if (s.value("state", "") != "running") {
        throw std::runtime_error("session did not run: " + s.dump());
      }
      const test::TestServer* srv = server.get();
      const std::string tok = token;
      const std::string id = session_id;
      auto connect_c = [srv, tok, id] {
        auto info = srv->http().Get("/api/v1/sessions/" + id + "/connect", tok);
        if (info.status != 200) {
          throw std::runtime_error("GET /connect: " + std::to_string(info.status) + " " +
                                   info.body);
        }
        Connection c;
        int status = 0;
        c.ws = test::WsClient::Connect(srv->port(), info.Json()["path"].get<std::string>(), {},
                                       "binary", &status);
        if (!c.ws) throw std::runtime_error("viewer upgrade failed: " + std::to_string(status));
        c.transport = std::make_unique<test::WsRfbTransport>(*c.ws);
        return c;
      };
      if (!WaitUntilDrawn(connect_c, std::chrono::seconds(20))) {
        throw std::runtime_error("the session's screen stayed one colour");
      }
      const int serve_pid = ServerPid(*server);
      const int session_xvnc = SessionXvncPid(session_id);
      std::printf(
          "(c): streamspace serve pid %d (built-in agent in-process) port %u, session %s, "
          "its Xvnc pid %d\n",
          serve_pid, server->port(), session_id.c_str(), session_xvnc);
      // Only the server process (all its threads): the session's sandbox, Xvnc and xterm are
      // its descendants, and Xvnc has its own column.
      variants.push_back({.key = "c",
                          .label = "WS -> streamspace -> tunnel -> Xvnc unix",
                          .connect = connect_c,
                          .path_pid = serve_pid,
                          .path_tree = false,
                          .xvnc_pid = session_xvnc,
                          .scale_updates = true});
    } catch (const std::exception& e) {
      std::printf("SKIP (c): %s\n", e.what());
      if (server) {
        const std::string log = server->Log();
        std::printf("server log tail:\n%s\n",
                    log.substr(log.size() > 2000 ? log.size() - 2000 : 0).c_str());
      }
    }
  }

  std::printf(
      "\npath s/GB: CPU seconds per GB streamed of the process(es) between client and Xvnc "
      "(websockify with its per-connection child; streamspace serve incl. the agent)\n");
  std::vector<std::vector<Result>> per_variant(variants.size());
  for (int round = 1; round <= o.rounds; ++round) {
    std::printf("\nround %d\n", round);
    std::fflush(stdout);
    const std::vector<Result> this_round = RunRound(variants, o);
    PrintHeader();
    for (const auto& r : this_round) {
      PrintRow(r);
      for (size_t i = 0; i < variants.size(); ++i) {
        if (variants[i].key == r.key) per_variant[i].push_back(r);
      }
    }
    PrintRatios(this_round, "b");
    std::fflush(stdout);
  }

  std::vector<Result> medians;
  for (const auto& runs : per_variant) {
    if (!runs.empty()) medians.push_back(MedianOf(runs));
  }
  std::printf("\nmedian of %d round(s)\n", o.rounds);
  PrintHeader();
  for (const auto& m : medians) PrintRow(m);
  std::printf("\n");
  PrintRatios(medians, "b");
  PrintRatios(medians, "b'");
  if (const Result* a = Find(medians, "a"); a != nullptr) {
    if (const Result* c = Find(medians, "c"); c != nullptr) {
      std::printf("(c)/(a): throughput %.2fx  p99 %.2fx (share of the raw path kept)\n",
                  c->MBps() / a->MBps(), c->p99_us / a->p99_us);
    }
  }
  if (server) {
    server->http().Delete("/api/v1/sessions/" + session_id, token);
    test::WaitForSessionState(*server, token, session_id, "stopped", std::chrono::seconds(20));
  }
  return 0;
}

void Usage() {
  std::printf(
      "usage: sp_vnc_path_bench [--updates N] [--block N] [--samples N] [--rounds N] "
      "[--warmup N]\n"
      "  --updates  full-screen updates per variant at 1920x1080 (default 200); (c) streams the\n"
      "             same number of bytes at its own geometry\n"
      "  --block    updates per turn before the next variant streams (default 20; scaled for "
      "(c))\n"
      "  --samples  1x1 update round trips for the latency percentiles (default 1000)\n"
      "  --rounds   rounds of all variants (default 3); medians over them are reported too\n"
      "  --warmup   full updates before measuring (default 5)\n");
}

}  // namespace
}  // namespace sp::bench

int main(int argc, char** argv) {
  sp::bench::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> int {
      if (i + 1 >= argc) {
        sp::bench::Usage();
        std::exit(2);
      }
      return std::atoi(argv[++i]);
    };
    if (arg == "--updates") {
      o.updates = next();
    } else if (arg == "--block") {
      o.block = next();
    } else if (arg == "--samples") {
      o.samples = next();
    } else if (arg == "--rounds") {
      o.rounds = next();
    } else if (arg == "--warmup") {
      o.warmup = next();
    } else {
      sp::bench::Usage();
      return arg == "-h" || arg == "--help" ? 0 : 2;
    }
  }
  if (o.updates < 1 || o.block < 1 || o.samples < 1 || o.rounds < 1 || o.warmup < 0) {
    sp::bench::Usage();
    return 2;
  }
  try {
    return sp::bench::Main(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sp_vnc_path_bench: %s\n", e.what());
    return 1;
  }
}
