// Helpers shared by the benchmarks in bench/: child processes (started and stopped by pid),
// CPU time of processes from /proc/<pid>/stat, percentiles, session polling, and a lean RFB
// update reader. The reader exists because RfbClient::ReadUpdate converts every pixel with
// bounds-checked accessors, which on a 2-core machine makes the client the bottleneck of a
// throughput measurement; this one only parses the message framing and copies (or drops) the
// Raw rectangles, so the numbers measure the path rather than the test client's decoder.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include "tests/support/rfb_client.hpp"
#include "tests/support/test_server.hpp"

namespace sp::bench {

using Clock = std::chrono::steady_clock;

// ---- processes ----

// fork + exec with stdin from /dev/null and stdout/stderr appended to log_path. The child gets
// PR_SET_PDEATHSIG(SIGTERM), so it does not outlive the benchmark if that dies. Throws when
// fork fails; an exec failure shows as exit status 127 and a line in the log.
pid_t Spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::string& log_path);
// SIGTERM to the process and to its descendants (collected first), waits up to `grace` for
// the process, then SIGKILL to whichever of them is still there. Reaps the process (it must
// be our child). Safe to call with pid <= 0.
void Terminate(pid_t pid, std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
// True while the child has not exited (reaps it when it has).
bool ChildAlive(pid_t pid);

// argv of a process (empty when it is gone or unreadable).
std::vector<std::string> Cmdline(int pid);
// Every process below pid (children, grandchildren, ...), not pid itself.
std::vector<int> Descendants(int pid);
// utime + stime of one process (all its threads), in seconds; negative when it is gone.
double CpuSeconds(int pid);
// The first process whose argv satisfies `match`, or -1.
template <class Match>
int FindProcess(Match match);

// "command -v name" succeeds.
bool InPath(const std::string& name);
// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t FreeTcpPort();
// Polls until a TCP connection to 127.0.0.1:port succeeds.
bool WaitForTcp(uint16_t port, std::chrono::milliseconds limit);

// ---- numbers ----

// Nearest-rank percentile (p in [0, 100]) of unsorted samples; 0 when there are none.
double Percentile(std::vector<double> samples, double p);
double Median(std::vector<double> samples);

// ---- sessions through the API ----

// The pid of the `streamspace serve` process of a TestServer (found by its data directory).
int ServerPid(const test::TestServer& server);
// The pid of the Xvnc of a session (Xvnc carries the session id as -desktop), or -1.
int SessionXvncPid(const std::string& session_id);

// ---- RFB ----

// Reads FramebufferUpdate messages after RfbClient::SetRawEncoding (32 bpp, little-endian,
// 0x00RRGGBB): Raw and DesktopSize rectangles; Bell, ServerCutText, SetColourMapEntries,
// EndOfContinuousUpdates and fences are skipped. With keep_pixels the Raw rectangles are
// copied into a framebuffer (to check that something is drawn); without, they are read in
// large chunks and dropped.
class RawUpdateReader {
 public:
  RawUpdateReader(test::RfbTransport& transport, int width, int height, bool keep_pixels);

  // Reads until one FramebufferUpdate has been read whole; returns its Raw pixel bytes.
  // Throws as the transport does (ReadTimeout, ConnectionClosed) and on protocol errors.
  uint64_t ReadUpdate();
  // Not every pixel has the same colour (needs keep_pixels).
  bool NotUniform() const;
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  void Skip(uint64_t bytes);

  test::RfbTransport& transport_;
  int width_;
  int height_;
  bool keep_pixels_;
  std::vector<uint32_t> pixels_;
};

// ---- implementation of the template ----

std::vector<int> AllPids();

template <class Match>
int FindProcess(Match match) {
  for (int pid : AllPids()) {
    if (match(Cmdline(pid))) return pid;
  }
  return -1;
}

}  // namespace sp::bench
