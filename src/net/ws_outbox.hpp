// WsOutbox is the single writer of one WebSocket: any thread may Push() a message; only
// Run(), on the socket's strand, writes, because a Beast stream allows one pending write.
// The queue is bounded: a consumer that falls behind by kMaxQueued messages is dropped
// (its socket closed) rather than allowed to hold up its producers.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <string>

#include "net/asio.hpp"
#include "net/client_stream.hpp"
#include "net/websocket.hpp"

namespace sp::net {

// Stream: WsStream (server side) or ClientWsStream (agents).
template <class Stream>
class BasicWsOutbox : public std::enable_shared_from_this<BasicWsOutbox<Stream>> {
 public:
  static constexpr size_t kDefaultMaxQueued = 256;

  explicit BasicWsOutbox(Stream& ws, size_t max_queued = kDefaultMaxQueued);

  // Thread-safe. Text frames. The shared form lets one message fan out to many sockets
  // without a copy each.
  void Push(std::string message);
  void Push(std::shared_ptr<const std::string> message);
  // Thread-safe. Sends a WebSocket ping ahead of queued messages.
  void Ping();
  // Thread-safe. Stops the writer; with `close_socket` also closes the connection.
  void Close(bool close_socket);
  // Runs on the stream's strand until Close() or a write error.
  asio::awaitable<void> Run();
  bool dropped() const { return dropped_.load(); }

 private:
  Stream& ws_;
  size_t max_queued_;
  asio::steady_timer wake_;
  std::deque<std::shared_ptr<const std::string>> queue_;  // touched only on the strand
  bool ping_ = false;
  bool closed_ = false;
  std::atomic<bool> dropped_{false};
};

extern template class BasicWsOutbox<WsStream>;
extern template class BasicWsOutbox<ClientWsStream>;
using WsOutbox = BasicWsOutbox<WsStream>;
using ClientWsOutbox = BasicWsOutbox<ClientWsStream>;

}  // namespace sp::net
