#include "tests/support/rfb_client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

namespace sp::test {
namespace {

// Server-to-client message types.
constexpr uint8_t kFramebufferUpdate = 0;
constexpr uint8_t kSetColourMapEntries = 1;
constexpr uint8_t kBell = 2;
constexpr uint8_t kServerCutText = 3;
constexpr uint8_t kEndOfContinuousUpdates = 150;
constexpr uint8_t kServerFence = 248;

constexpr int32_t kEncodingRaw = 0;
constexpr int32_t kEncodingDesktopSize = -223;
constexpr uint8_t kSecurityNone = 1;
constexpr uint32_t kMaxServerCutText = 64 * 1024 * 1024;

uint8_t U8(std::string_view s, size_t at) { return static_cast<uint8_t>(s.at(at)); }

uint16_t U16(std::string_view s, size_t at) {
  return static_cast<uint16_t>((U8(s, at) << 8) | U8(s, at + 1));
}

uint32_t U32(std::string_view s, size_t at) {
  return (static_cast<uint32_t>(U8(s, at)) << 24) | (static_cast<uint32_t>(U8(s, at + 1)) << 16) |
         (static_cast<uint32_t>(U8(s, at + 2)) << 8) | static_cast<uint32_t>(U8(s, at + 3));
}

void PutU8(std::string& s, unsigned v) { s.push_back(static_cast<char>(v & 0xff)); }

void PutU16(std::string& s, unsigned v) {
  PutU8(s, v >> 8);
  PutU8(s, v);
}

void PutU32(std::string& s, uint32_t v) {
  PutU16(s, v >> 16);
  PutU16(s, v & 0xffff);
}

std::runtime_error Errno(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

// Scales a channel value in [0, max] to [0, 255].
uint32_t Scale(uint32_t value, uint16_t max) {
  if (max == 0) return 0;
  return std::min<uint32_t>(255, value * 255 / max);
}

}  // namespace

// ---- transports ----

FdTransport::~FdTransport() { Close(); }

void FdTransport::Adopt(int fd) {
  fd_ = fd;
  timeval tv{};
  tv.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(kDefaultTimeout).count();
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  SetReadTimeout(kDefaultTimeout);
}

void FdTransport::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void FdTransport::SetReadTimeout(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return;
  // A zero SO_RCVTIMEO means "wait forever": never let a spent deadline become that.
  const auto ms = std::max<int64_t>(1, timeout.count());
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

void FdTransport::Write(std::string_view data) {
  while (!data.empty()) {
    if (fd_ < 0) throw ConnectionClosed("write on a closed transport");
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) throw ConnectionClosed("peer closed");
    if (n < 0) throw Errno("send");
    data.remove_prefix(static_cast<size_t>(n));
  }
}

std::string FdTransport::Read(size_t n) {
  char buf[64 * 1024];
  while (pending_.size() < n) {
    if (fd_ < 0) throw ConnectionClosed("read on a closed transport");
    const size_t want = std::min(sizeof buf, n - pending_.size());
    const ssize_t got = ::recv(fd_, buf, want, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) throw ReadTimeout("read timed out");
    if (got < 0 && errno == ECONNRESET) throw ConnectionClosed("connection reset");
    if (got < 0) throw Errno("recv");
    if (got == 0) throw ConnectionClosed("peer closed the connection");
    pending_.append(buf, static_cast<size_t>(got));
  }
  std::string out = pending_.substr(0, n);
  pending_.erase(0, n);
  return out;
}

UnixSocketTransport::UnixSocketTransport(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Errno("socket");
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string error = "connect " + path + ": " + std::strerror(errno);
    ::close(fd);
    throw std::runtime_error(error);
  }
  Adopt(fd);
}

TcpTransport::TcpTransport(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    throw std::runtime_error("resolve " + host + ": " + ::gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      ::freeaddrinfo(found);
      Adopt(fd);
      return;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  throw std::runtime_error("connect " + host + ":" + service + ": " + last_error);
}

// ---- client ----

std::string RfbClient::Read(size_t n, std::chrono::milliseconds timeout) {
  transport_.SetReadTimeout(timeout);
  return transport_.Read(n);
}

ServerInit RfbClient::Handshake(bool shared) {
  const std::string server_version = Read(12);
  auto digits = [&](size_t at) {
    int value = 0;
    for (size_t i = at; i < at + 3; ++i) {
      if (server_version[i] < '0' || server_version[i] > '9') return -1;
      value = value * 10 + (server_version[i] - '0');
    }
    return value;
  };
  const int major = digits(4);
  const int minor = digits(8);
  if (server_version.compare(0, 4, "RFB ") != 0 || server_version[7] != '.' ||
      server_version[11] != '\n' || major < 0 || minor < 0) {
    throw std::runtime_error("not an RFB server");
  }
  if (major != 3) throw std::runtime_error("unsupported RFB version " + server_version);
  const int our_minor = minor >= 8 ? 8 : (minor == 7 ? 7 : 3);
  transport_.Write(our_minor == 8 ? "RFB 003.008\n"
                                  : (our_minor == 7 ? "RFB 003.007\n" : "RFB 003.003\n"));

  auto read_reason = [this] {
    const uint32_t length = U32(Read(4), 0);
    if (length > 64 * 1024) return std::string("(reason too long)");
    return Read(length);
  };
  if (our_minor == 3) {
    const uint32_t type = U32(Read(4), 0);
    if (type == 0) throw std::runtime_error("server refused the connection: " + read_reason());
    if (type != kSecurityNone) {
      throw std::runtime_error("server requires security type " + std::to_string(type));
    }
  } else {
    const uint8_t count = U8(Read(1), 0);
    if (count == 0) throw std::runtime_error("server refused the connection: " + read_reason());
    const std::string types = Read(count);
    if (types.find(static_cast<char>(kSecurityNone)) == std::string::npos) {
      throw std::runtime_error("server does not offer security type None");
    }
    std::string choice;
    PutU8(choice, kSecurityNone);
    transport_.Write(choice);
    // 3.7 sends no SecurityResult for None; 3.8 always does.
    if (our_minor == 8 && U32(Read(4), 0) != 0) {
      throw std::runtime_error("security handshake failed: " + read_reason());
    }
  }

  std::string client_init;
  PutU8(client_init, shared ? 1 : 0);
  transport_.Write(client_init);

  const std::string init = Read(24);
  ServerInit result;
  result.width = U16(init, 0);
  result.height = U16(init, 2);
  PixelFormat& pf = result.pixel_format;
  pf.bits_per_pixel = U8(init, 4);
  pf.depth = U8(init, 5);
  pf.big_endian = U8(init, 6) != 0;
  pf.true_colour = U8(init, 7) != 0;
  pf.red_max = U16(init, 8);
  pf.green_max = U16(init, 10);
  pf.blue_max = U16(init, 12);
  pf.red_shift = U8(init, 14);
  pf.green_shift = U8(init, 15);
  pf.blue_shift = U8(init, 16);
  const uint32_t name_length = U32(init, 20);
  if (name_length > 64 * 1024) throw std::runtime_error("desktop name too long");
  result.name = Read(name_length);
  if (pf.bits_per_pixel != 8 && pf.bits_per_pixel != 16 && pf.bits_per_pixel != 32) {
    throw std::runtime_error("bad bits-per-pixel " + std::to_string(pf.bits_per_pixel));
  }
  format_ = pf;
  width_ = result.width;
  height_ = result.height;
  return result;
}

void RfbClient::SetRawEncoding() {
  const PixelFormat pf;  // the defaults: 32 bpp little-endian 0x00RRGGBB
  std::string msg;
  PutU8(msg, 0);  // SetPixelFormat
  PutU8(msg, 0);
  PutU16(msg, 0);
  PutU8(msg, pf.bits_per_pixel);
  PutU8(msg, pf.depth);
  PutU8(msg, pf.big_endian ? 1 : 0);
  PutU8(msg, pf.true_colour ? 1 : 0);
  PutU16(msg, pf.red_max);
  PutU16(msg, pf.green_max);
  PutU16(msg, pf.blue_max);
  PutU8(msg, pf.red_shift);
  PutU8(msg, pf.green_shift);
  PutU8(msg, pf.blue_shift);
  PutU8(msg, 0);
  PutU16(msg, 0);
  PutU8(msg, 2);  // SetEncodings
  PutU8(msg, 0);
  PutU16(msg, 2);
  PutU32(msg, static_cast<uint32_t>(kEncodingRaw));
  PutU32(msg, static_cast<uint32_t>(kEncodingDesktopSize));
  transport_.Write(msg);
  format_ = pf;  // the server applies it to every update it sends after reading this
}

void RfbClient::RequestUpdate(bool incremental, int x, int y, int w, int h) {
  std::string msg;
  PutU8(msg, 3);
  PutU8(msg, incremental ? 1 : 0);
  PutU16(msg, static_cast<unsigned>(x));
  PutU16(msg, static_cast<unsigned>(y));
  PutU16(msg, static_cast<unsigned>(w));
  PutU16(msg, static_cast<unsigned>(h));
  transport_.Write(msg);
}

void RfbClient::SendKey(uint32_t keysym, bool down) {
  std::string msg;
  PutU8(msg, 4);
  PutU8(msg, down ? 1 : 0);
  PutU16(msg, 0);
  PutU32(msg, keysym);
  transport_.Write(msg);
}

void RfbClient::SendPointer(int x, int y, uint8_t button_mask) {
  std::string msg;
  PutU8(msg, 5);
  PutU8(msg, button_mask);
  PutU16(msg, static_cast<unsigned>(x));
  PutU16(msg, static_cast<unsigned>(y));
  transport_.Write(msg);
}

void RfbClient::SendCutText(std::string_view latin1_text) {
  std::string msg;
  PutU8(msg, 6);
  PutU8(msg, 0);
  PutU16(msg, 0);
  PutU32(msg, static_cast<uint32_t>(latin1_text.size()));
  msg += latin1_text;
  transport_.Write(msg);
}

bool RfbClient::ReadUpdate(Framebuffer& fb, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Only the wait for a message to start is bounded by `timeout`: once its first byte is
    // here, the rest is read with the normal timeout so that a slow update is not cut short.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    uint8_t type = 0;
    try {
      type = U8(Read(1, left), 0);
    } catch (const ReadTimeout&) {
      return false;
    }
    switch (type) {
      case kFramebufferUpdate:
        break;
      case kSetColourMapEntries: {
        const std::string header = Read(5);
        Read(6 * static_cast<size_t>(U16(header, 3)));
        continue;
      }
      case kBell:
        ++bells_;
        continue;
      case kServerCutText: {
        const auto length = static_cast<int32_t>(U32(Read(7), 3));
        const uint64_t size = length < 0 ? static_cast<uint64_t>(-static_cast<int64_t>(length))
                                         : static_cast<uint64_t>(length);
        if (size > kMaxServerCutText) throw std::runtime_error("server cut text too long");
        server_cut_text_ = Read(static_cast<size_t>(size));
        continue;
      }
      case kEndOfContinuousUpdates:
        continue;
      case kServerFence:
        Read(static_cast<size_t>(U8(Read(8), 7)));
        continue;
      default:
        throw std::runtime_error("unexpected server message type " + std::to_string(type));
    }

    const uint16_t rects = U16(Read(3), 1);
    if (fb.width != width_ || fb.height != height_) {
      fb.width = width_;
      fb.height = height_;
      fb.pixels.assign(static_cast<size_t>(width_) * static_cast<size_t>(height_), 0);
    }
    for (uint16_t i = 0; i < rects; ++i) {
      const std::string header = Read(12);
      const int x = U16(header, 0);
      const int y = U16(header, 2);
      const int w = U16(header, 4);
      const int h = U16(header, 6);
      const auto encoding = static_cast<int32_t>(U32(header, 8));
      if (encoding == kEncodingRaw) {
        ReadRawRect(fb, x, y, w, h);
      } else if (encoding == kEncodingDesktopSize) {
        width_ = w;
        height_ = h;
        fb.width = w;
        fb.height = h;
        fb.pixels.assign(static_cast<size_t>(w) * static_cast<size_t>(h), 0);
      } else {
        throw std::runtime_error("unsupported encoding " + std::to_string(encoding));
      }
    }
    return true;
  }
}

void RfbClient::ReadRawRect(Framebuffer& fb, int x, int y, int w, int h) {
  if (x + w > fb.width || y + h > fb.height) {
    throw std::runtime_error("rectangle outside the framebuffer");
  }
  const size_t bytes_per_pixel = format_.bits_per_pixel / 8;
  const std::string data = Read(static_cast<size_t>(w) * static_cast<size_t>(h) * bytes_per_pixel);
  size_t at = 0;
  for (int row = 0; row < h; ++row) {
    for (int col = 0; col < w; ++col) {
      uint32_t value = 0;
      for (size_t b = 0; b < bytes_per_pixel; ++b) {
        const uint32_t byte = U8(data, at + b);
        value |= format_.big_endian ? byte << (8 * (bytes_per_pixel - 1 - b)) : byte << (8 * b);
      }
      at += bytes_per_pixel;
      uint32_t pixel = value;
      if (format_.true_colour) {
        const uint32_t r = Scale((value >> format_.red_shift) & format_.red_max, format_.red_max);
        const uint32_t g =
            Scale((value >> format_.green_shift) & format_.green_max, format_.green_max);
        const uint32_t b =
            Scale((value >> format_.blue_shift) & format_.blue_max, format_.blue_max);
        pixel = (r << 16) | (g << 8) | b;
      }
      fb.pixels[static_cast<size_t>(y + row) * static_cast<size_t>(fb.width) +
                static_cast<size_t>(x + col)] = pixel;
    }
  }
}

bool RfbClient::NotUniform(const Framebuffer& fb) {
  if (fb.pixels.empty()) return false;
  const uint32_t first = fb.pixels.front();
  return std::any_of(fb.pixels.begin(), fb.pixels.end(),
                     [first](uint32_t p) { return p != first; });
}

}  // namespace sp::test
