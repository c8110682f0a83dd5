// Session start on the local platform (DESIGN.md, "Performance targets": request to first
// framebuffer update in the viewer under 400 ms median cold). With the real server
// (TestServer), N times: POST /api/v1/sessions {"template":"terminal"}, poll until running,
// GET /connect, open the viewer WebSocket, RFB handshake, request a full update and read
// updates until the framebuffer is not one colour; the sample is POST sent -> that update
// read. The session is then deleted (and waited for, outside the sample). Each start is cold
// as far as the processes go (a new sandbox, Xvnc and xterm); the home directory, the page
// cache and the server are warm after the first.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
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
using Ms = std::chrono::duration<double, std::milli>;

struct Options {
  int runs = 10;
  int poll_ms = 10;
};

struct Sample {
  double created_ms = 0;  // POST answered
  double running_ms = 0;  // GET showed "running"
  double viewer_ms = 0;   // viewer WebSocket open and RFB handshake done
  double pixels_ms = 0;   // first non-uniform framebuffer read
  int width = 0;
  int height = 0;
};

Sample StartOnce(const test::TestServer& server, const std::string& token, const Options& o,
                 std::string& session_id) {
  Sample s;
  const auto t0 = Clock::now();
  auto created = server.http().Post("/api/v1/sessions", {{"template", "terminal"}}, token);
  s.created_ms = Ms(Clock::now() - t0).count();
  if (created.status != 201) {
    throw std::runtime_error("POST /api/v1/sessions: " + std::to_string(created.status) + " " +
                             created.body);
  }
  session_id = created.Json()["id"].get<std::string>();
  const json state =
      test::WaitForSessionState(server, token, session_id, "running", std::chrono::seconds(60),
                                std::chrono::milliseconds(o.poll_ms));
  if (state.value("state", "") != "running") {
    throw std::runtime_error("session did not run: " + state.dump());
  }
  s.running_ms = Ms(Clock::now() - t0).count();

  auto info = server.http().Get("/api/v1/sessions/" + session_id + "/connect", token);
  if (info.status != 200) {
    throw std::runtime_error("GET /connect: " + std::to_string(info.status) + " " + info.body);
  }
  int status = 0;
  auto ws = test::WsClient::Connect(server.port(), info.Json()["path"].get<std::string>(), {},
                                    "binary", &status);
  if (!ws) throw std::runtime_error("viewer upgrade failed: HTTP " + std::to_string(status));
  test::WsRfbTransport transport(*ws);
  test::RfbClient rfb(transport);
  const test::ServerInit init = rfb.Handshake(/*shared=*/true);
  s.viewer_ms = Ms(Clock::now() - t0).count();
  s.width = init.width;
  s.height = init.height;
  rfb.SetRawEncoding();
  RawUpdateReader reader(transport, init.width, init.height, /*keep_pixels=*/true);
  transport.SetReadTimeout(std::chrono::seconds(30));
  rfb.RequestFullUpdate(false);
  reader.ReadUpdate();
  // Until the app has drawn, ask for incremental updates: Xvnc answers when something changes.
  const auto give_up = Clock::now() + std::chrono::seconds(30);
  while (!reader.NotUniform()) {
    if (Clock::now() > give_up) throw std::runtime_error("the screen stayed one colour for 30 s");
    rfb.RequestFullUpdate(true);
    reader.ReadUpdate();
  }
  s.pixels_ms = Ms(Clock::now() - t0).count();
  ws->Close();
  return s;
}

int Main(const Options& o) {
  std::printf("sp_session_start_bench  %s  cores=%u  load=%s  streamspace build: %s\n",
              Today().c_str(), std::thread::hardware_concurrency(), LoadAverage().c_str(),
              SP_BENCH_BUILD_TYPE);
  if (!InPath("Xvnc") || !InPath("xterm") || !InPath("bwrap")) {
    std::printf("SKIP: Xvnc, xterm or bwrap is not installed (scripts/setup.sh installs them)\n");
    return 0;
  }
  test::TestServer server;
  const std::string token = server.SetupAndLoginAdmin();
  std::printf("server pid %d port %u; template terminal; %d starts; state polled every %d ms\n",
              ServerPid(server), server.port(), o.runs, o.poll_ms);
  std::printf("%-4s %10s %10s %10s %12s  %-9s %s\n", "run", "created", "running", "viewer",
              "first pixels", "geometry", "session");
  std::vector<double> totals;
  for (int i = 1; i <= o.runs; ++i) {
    std::string id;
    try {
      const Sample s = StartOnce(server, token, o, id);
      totals.push_back(s.pixels_ms);
      std::printf("%-4d %8.1fms %8.1fms %8.1fms %10.1fms  %4dx%-4d %s\n", i, s.created_ms,
                  s.running_ms, s.viewer_ms, s.pixels_ms, s.width, s.height, id.c_str());
    } catch (const std::exception& e) {
      std::printf("%-4d FAILED: %s\n", i, e.what());
    }
    std::fflush(stdout);
    if (!id.empty()) {
      server.http().Delete("/api/v1/sessions/" + id, token);
      const json end =
          test::WaitForSessionState(server, token, id, "stopped", std::chrono::seconds(30));
      if (end.value("state", "") != "stopped") {
        std::printf("     session %s did not stop: %s\n", id.c_str(), end.dump().c_str());
      }
    }
  }
  if (totals.empty()) {
    std::printf("no successful start\n");
    return 1;
  }
  std::vector<double> sorted = totals;
  std::sort(sorted.begin(), sorted.end());
  std::printf(
      "\nrequest -> first non-uniform framebuffer, %zu samples: median %.1f ms, min %.1f ms, "
      "max %.1f ms [target: median < 400 ms cold: %s]\n",
      totals.size(), Median(totals), sorted.front(), sorted.back(),
      Median(totals) < 400 ? "met" : "missed");
  std::printf("samples (ms):");
  for (double t : totals) std::printf(" %.1f", t);
  std::printf("\n");
  return 0;
}

void Usage() {
  std::printf(
      "usage: sp_session_start_bench [--runs N] [--poll-ms N]\n"
      "  --runs     session starts (default 10)\n"
      "  --poll-ms  interval of the GET that waits for \"running\" (default 10)\n");
}

}  // namespace
}  // namespace sp::bench

int main(int argc, char** argv) {
  sp::bench::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--runs" || arg == "--poll-ms") && i + 1 < argc) {
      (arg == "--runs" ? o.runs : o.poll_ms) = std::atoi(argv[++i]);
    } else {
      sp::bench::Usage();
      return arg == "-h" || arg == "--help" ? 0 : 2;
    }
  }
  if (o.runs < 1 || o.poll_ms < 1) {
    sp::bench::Usage();
    return 2;
  }
  try {
    return sp::bench::Main(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sp_session_start_bench: %s\n", e.what());
    return 1;
  }
}
