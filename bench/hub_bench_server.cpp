// The StreamSpace side of sp_hub_bench: the real EventHub behind the real HttpServer, WsRouter
// and Pipeline (with an empty Router), wired as app/serve.cpp wires them, with an
// Authenticator that takes any token as an admin whose user id is the token. No database, no
// agent: only the event hub's own path.
//
//   sp_hub_bench_server PORT [IO_THREADS]      (PORT 0 picks a free port)
//
// Prints "ready PORT" once it listens, then reads commands on stdin, one a line, and answers
// each with one line on stdout (logs go to stderr):
//   publish RATE COUNT SIZE  COUNT events on the sessions channel, RATE per second (0: as fast
//                            as the loop goes), each {"type":"update","event":"session.updated",
//                            "data":{"seq":n,"dueNs":D,"sentNs":T,"pad":"x"*SIZE},
//                            "timestamp":...}: D when event n was due by the schedule (start +
//                            n/RATE; the start for RATE 0), T just before Publish(), both
//                            steady_clock (CLOCK_MONOTONIC) ns; answers "done COUNT SECONDS"
//                            when the last one is handed over.
//   rss                      "rss KIB" (VmRSS of /proc/self/status)
//   heap                     "heap BYTES", the bytes malloc has handed out (mallinfo2)
//   clients                  "clients N" (EventHub::ConnectedCount)
//   now                      "now NS", steady_clock in ns (the driver checks its clock against it)
//   quit (or end of input)   closes every client and exits.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <malloc.h>
#include <sys/resource.h>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "net/http_server.hpp"
#include "net/websocket.hpp"
#include "net/worker_pool.hpp"
#include "realtime/event_hub.hpp"
#include "realtime/hub_event.hpp"

namespace sp::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Any non-empty token is an admin (who receives every event) named after the token.
class AnyTokenIsAdmin final : public http::Authenticator {
 public:
  Result<auth::Principal> Authenticate(std::string_view credential,
                                       std::string_view client_ip) override {
    auth::Principal p;
    p.user_id = std::string(credential);
    p.username = p.user_id;
    p.role = std::string(auth::kRoleAdmin);
    p.client_ip = std::string(client_ip);
    return p;
  }
};

long VmRssKib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

void Reply(const std::string& line) {
  std::cout << line << std::endl;  // flushed: the driver waits for it
}

void PublishAt(realtime::EventHub& events, double rate, long count, size_t pad_size) {
  const std::string pad(pad_size, 'x');
  const auto start = Clock::now();
  for (long n = 0; n < count; ++n) {
    auto due = start;
    if (rate > 0) {
      due += std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(static_cast<double>(n) / rate));
      std::this_thread::sleep_until(due);  // an absolute schedule: a late event does not shift
    }
    realtime::HubEvent event;
    event.channel = std::string(realtime::channel::kSessions);
    event.event = "session.updated";
    event.timestamp = FormatTime(std::chrono::system_clock::now());
    const auto sent_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
            .count();
    const auto due_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(due.time_since_epoch()).count();
    event.data = {{"seq", n}, {"dueNs", due_ns}, {"sentNs", sent_ns}, {"pad", pad}};
    events.Publish(event);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Reply("done " + std::to_string(count) + " " + std::to_string(seconds));
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: sp_hub_bench_server PORT [IO_THREADS]\n";
    return 2;
  }
  RaiseFileLimit();
  SetupLogging("warn");
  const auto port = static_cast<uint16_t>(std::stoi(argv[1]));
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // The defaults of `streamspace serve`: one io thread per core, 4 workers per core (at least 8).
  const int io_threads = argc > 2 ? std::max(1, std::stoi(argv[2])) : cores;

  AnyTokenIsAdmin auth;
  SystemClock clock;
  http::Router router;
  net::WorkerPool workers(static_cast<size_t>(std::max(8, 4 * cores)));
  http::Pipeline pipeline(router, auth, clock, {});
  realtime::EventHub events(auth, workers);
  net::WsRouter ws_routes;
  ws_routes.Add("/api/v1/ws/sessions", events.Endpoint(realtime::channel::kSessions));

  net::asio::io_context io(io_threads);
  net::HttpServer server(io, pipeline, workers, {}, &ws_routes);
  auto endpoint = server.Listen("127.0.0.1", port);
  if (!endpoint) {
    std::cerr << "sp_hub_bench_server: " << endpoint.error().message << "\n";
    return 1;
  }
  server.Start();
  // Keeps io.run() going while no connection is open.
  auto guard = net::asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < io_threads; ++i) threads.emplace_back([&io] { io.run(); });
  Reply("ready " + std::to_string(endpoint->port()));

  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string command;
    in >> command;
    if (command == "publish") {
      double rate = 0;
      long count = 0;
      size_t size = 0;
      in >> rate >> count >> size;
      PublishAt(events, rate, count, size);
    } else if (command == "rss") {
      Reply("rss " + std::to_string(VmRssKib()));
    } else if (command == "heap") {
      Reply("heap " + std::to_string(mallinfo2().uordblks));
    } else if (command == "clients") {
      Reply("clients " + std::to_string(events.ConnectedCount()));
    } else if (command == "now") {
      Reply("now " + std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        Clock::now().time_since_epoch())
                                        .count()));
    } else if (command == "quit") {
      break;
    } else if (!command.empty()) {
      Reply("error unknown command '" + command + "'");
    }
  }
  events.CloseAll();
  server.Stop();
  guard.reset();
  // Closed clients and the stopped acceptor let io.run() return; give them a moment, then cut.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  io.stop();
  for (auto& t : threads) t.join();
  workers.Stop();
  return 0;
}

}  // namespace
}  // namespace sp::bench

int main(int argc, char** argv) { return sp::bench::Main(argc, argv); }
