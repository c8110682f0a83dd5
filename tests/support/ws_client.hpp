// A synchronous WebSocket client for tests (Boost.Beast underneath, kept out of this header so
// that tests including it compile fast). Every call has a timeout, and a Read that times out
// leaves the connection usable: the pending read stays in flight and the next Read picks it up.
// WsRfbTransport runs an RFB stream over its binary messages, as noVNC does.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/rfb_client.hpp"

namespace sp::test {

class WsClient {
 public:
  static constexpr std::chrono::milliseconds kIoTimeout{10'000};  // connect, upgrade, write

  // Connects to ws://127.0.0.1:<port><target> with the extra request headers (e.g.
  // Authorization, Cookie, Origin) and, unless empty, asks for `subprotocol`. Returns nullptr
  // when the upgrade fails; then *http_status_on_failure holds the HTTP status of the refusal
  // (401, 403, 404...), or 0 when no HTTP response arrived at all.
  static std::unique_ptr<WsClient> Connect(
      uint16_t port, const std::string& target,
      const std::vector<std::pair<std::string, std::string>>& headers = {},
      const std::string& subprotocol = "binary", int* http_status_on_failure = nullptr);

  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;
  ~WsClient();

  // Throw ConnectionClosed once the connection is closed, std::runtime_error on a timeout.
  void WriteBinary(std::string_view data);
  void WriteText(std::string_view data);
  // One whole message. Throws ReadTimeout when none arrived within `timeout`, ConnectionClosed
  // when the server closed the connection (the message then carries the close code and reason).
  std::string Read(std::chrono::milliseconds timeout, bool* is_binary = nullptr);
  // Sends a close frame and waits (bounded) for the server's; never throws. Idempotent.
  void Close();

  // The subprotocol the server accepted ("" when none).
  const std::string& subprotocol() const { return subprotocol_; }

 private:
  struct Impl;
  WsClient();
  void Write(std::string_view data, bool binary);

  std::unique_ptr<Impl> impl_;
  std::string subprotocol_;
};

// An RFB byte stream over WebSocket binary messages; bytes beyond what a Read asked for are
// kept for the next Read. A text message in the stream is a protocol error.
class WsRfbTransport : public RfbTransport {
 public:
  explicit WsRfbTransport(WsClient& ws) : ws_(ws) {}

  void Write(std::string_view data) override;
  std::string Read(size_t n) override;
  void SetReadTimeout(std::chrono::milliseconds timeout) override { timeout_ = timeout; }

 private:
  WsClient& ws_;
  std::string buffer_;
  std::chrono::milliseconds timeout_{WsClient::kIoTimeout};
};

}  // namespace sp::test
