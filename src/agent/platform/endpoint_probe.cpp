#include "agent/platform/endpoint_probe.hpp"

#include <cerrno>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace sp::agent {
namespace {

constexpr std::string_view kRfbGreeting = "RFB 003.008\n";
constexpr std::string_view kHttpProbe = "HEAD / HTTP/1.0\r\nHost: localhost\r\n\r\n";

// A connected socket to the endpoint with a 1 s read timeout, or -1.
int Connect(const Endpoint& endpoint) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_UNIX;
  if (endpoint.kind == Endpoint::Kind::kUnix) {
    auto* addr = reinterpret_cast<sockaddr_un*>(&storage);
    addr->sun_family = AF_UNIX;
    if (endpoint.path.size() >= sizeof(addr->sun_path)) return -1;
    endpoint.path.copy(addr->sun_path, endpoint.path.size());
    length = sizeof(sockaddr_un);
  } else {
    auto* addr = reinterpret_cast<sockaddr_in*>(&storage);
    family = AF_INET;
    addr->sin_family = AF_INET;
    addr->sin_port = htons(endpoint.port);
    if (::inet_pton(AF_INET, endpoint.host.c_str(), &addr->sin_addr) != 1) return -1;
    length = sizeof(sockaddr_in);
  }
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

bool EndpointAnswers(const Endpoint& endpoint, bool http) {
  const int fd = Connect(endpoint);
  if (fd < 0) return false;
  const std::string_view expected = http ? std::string_view("HTTP/") : kRfbGreeting;
  // MSG_NOSIGNAL: a bridge or port forwarder hangs up at once while the app is not up yet.
  bool ok = !http || ::send(fd, kHttpProbe.data(), kHttpProbe.size(), MSG_NOSIGNAL) ==
                         static_cast<ssize_t>(kHttpProbe.size());
  char buf[16];
  size_t got = 0;
  while (ok && got < expected.size()) {
    const ssize_t n = ::read(fd, buf + got, expected.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  return ok && std::string_view(buf, got) == expected;
}

}  // namespace sp::agent
