// A synchronous RFB (VNC) client for tests, over an abstract byte transport: it performs the
// 3.8 handshake with security None, asks for Raw updates in a fixed 32-bit pixel format and
// decodes them into a framebuffer, so that a test can check that a real desktop (Xvnc) is
// reachable through the control plane and shows something. It also sends key and pointer events
// to check view-only enforcement. Not a general VNC client: only Raw and DesktopSize decode.
//
// Transports: UnixSocketTransport and TcpTransport (plain POSIX sockets) here, and
// WsRfbTransport (RFB over WebSocket binary messages, as noVNC does) in ws_client.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sp::test {

// Thrown by a transport's Read when no data arrived within the read timeout. Transports keep
// the bytes received so far, so the stream stays usable after a timeout.
class ReadTimeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by a transport when the peer closed the connection (or it was reset).
class ConnectionClosed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RfbTransport {
 public:
  virtual ~RfbTransport() = default;
  virtual void Write(std::string_view data) = 0;
  // Exactly n bytes, or throws (ReadTimeout, ConnectionClosed, std::runtime_error).
  virtual std::string Read(size_t n) = 0;
  // Applies to the following Reads; transports without timeouts may ignore it.
  virtual void SetReadTimeout(std::chrono::milliseconds /*timeout*/) {}
};

// A connected stream socket; Read timeouts use SO_RCVTIMEO.
class FdTransport : public RfbTransport {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{10'000};

  FdTransport(const FdTransport&) = delete;
  FdTransport& operator=(const FdTransport&) = delete;
  ~FdTransport() override;

  void Write(std::string_view data) override;
  std::string Read(size_t n) override;
  void SetReadTimeout(std::chrono::milliseconds timeout) override;
  // Closes the socket; later calls throw ConnectionClosed.
  void Close();

 protected:
  FdTransport() = default;
  void Adopt(int fd);  // takes ownership of a connected socket; applies the default timeouts

 private:
  int fd_ = -1;
  std::string pending_;  // bytes received but not yet returned (kept across a timeout)
};

class UnixSocketTransport : public FdTransport {
 public:
  explicit UnixSocketTransport(const std::string& path);  // throws when it cannot connect
};

class TcpTransport : public FdTransport {
 public:
  TcpTransport(const std::string& host, uint16_t port);  // throws when it cannot connect
};

struct PixelFormat {
  uint8_t bits_per_pixel = 32;
  uint8_t depth = 24;
  bool big_endian = false;
  bool true_colour = true;
  uint16_t red_max = 255;
  uint16_t green_max = 255;
  uint16_t blue_max = 255;
  uint8_t red_shift = 16;
  uint8_t green_shift = 8;
  uint8_t blue_shift = 0;
};

struct ServerInit {
  int width = 0;
  int height = 0;
  PixelFormat pixel_format;
  std::string name;
};

class RfbClient {
 public:
  // Pixels are 0x00RRGGBB (8 bits per channel) whatever the server's format; with a colour
  // map (true_colour false) they are the raw colour-map index.
  struct Framebuffer {
    int width = 0;
    int height = 0;
    std::vector<uint32_t> pixels;  // row-major, width * height
  };

  explicit RfbClient(RfbTransport& transport) : transport_(transport) {}

  // Version 3.8 (or what an older server offers), security None, ClientInit. Throws
  // std::runtime_error on anything else (server refusal, no None security type, bad data).
  ServerInit Handshake(bool shared = true);

  // SetPixelFormat (32 bpp, little-endian, 0x00RRGGBB) then SetEncodings [Raw, DesktopSize].
  void SetRawEncoding();
  void RequestUpdate(bool incremental, int x, int y, int w, int h);
  void RequestFullUpdate(bool incremental = false) {
    RequestUpdate(incremental, 0, 0, width_, height_);
  }

  // Reads server messages until a FramebufferUpdate arrives (skipping Bell, ServerCutText,
  // SetColourMapEntries, fences and EndOfContinuousUpdates) and applies its Raw and DesktopSize
  // rectangles to `fb` (resized to the desktop when its size differs). Returns false when no
  // update started within `timeout`; the stream then stays usable. Throws on protocol errors,
  // unsupported encodings and a closed connection.
  bool ReadUpdate(Framebuffer& fb, std::chrono::milliseconds timeout);
  // True when not every pixel has the same value (a desktop is drawn, not just a blank screen).
  static bool NotUniform(const Framebuffer& fb);

  void SendKey(uint32_t keysym, bool down);
  void SendPointer(int x, int y, uint8_t button_mask);
  void SendCutText(std::string_view latin1_text);

  int width() const { return width_; }
  int height() const { return height_; }
  // Cut text the server sent while ReadUpdate was waiting (the last one).
  const std::string& server_cut_text() const { return server_cut_text_; }
  int bells() const { return bells_; }

 private:
  static constexpr std::chrono::milliseconds kMessageTimeout{10'000};

  std::string Read(size_t n, std::chrono::milliseconds timeout);
  std::string Read(size_t n) { return Read(n, kMessageTimeout); }
  void ReadRawRect(Framebuffer& fb, int x, int y, int w, int h);

  RfbTransport& transport_;
  PixelFormat format_;
  int width_ = 0;
  int height_ = 0;
  std::string server_cut_text_;
  int bells_ = 0;
};

}  // namespace sp::test
