#include "tests/support/ws_client.hpp"

#include <deque>

#include "net/asio.hpp"
// Beast's WebSocket only after net/asio.hpp, which fixes Boost 1.74's include order.
#include <boost/beast/websocket.hpp>

namespace sp::test {

namespace asio = sp::net::asio;
namespace beast = sp::net::beast;
namespace websocket = beast::websocket;
using sp::net::tcp;
using Clock = std::chrono::steady_clock;

// Single-threaded: every operation is started asynchronously and the io_context is run until
// it completes or its time is up. A read that outlives its Read call stays in flight; its
// message is queued for the next Read, so a timeout never cuts a message in half.
struct WsClient::Impl {
  struct Message {
    std::string data;
    bool binary = true;
  };

  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer read_buffer;
  std::deque<Message> messages;
  bool read_pending = false;
  beast::error_code read_error;  // sticky: the connection is over once a read fails
  bool closed = false;

  // Runs handlers until done() or the timeout; returns done().
  template <class Done>
  bool RunUntil(Done done, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
      const auto now = Clock::now();
      if (now >= deadline) return false;
      io.restart();
      if (io.run_one_for(deadline - now) == 0 && io.stopped()) return done();  // nothing left
    }
    return true;
  }

  void StartRead() {
    read_pending = true;
    ws.async_read(read_buffer, [this](beast::error_code ec, size_t) {
      read_pending = false;
      if (ec) {
        read_error = ec;
        return;
      }
      messages.push_back({beast::buffers_to_string(read_buffer.data()), ws.got_binary()});
      read_buffer.consume(read_buffer.size());
    });
  }

  // Closes the socket and lets every pending operation finish (with operation_aborted), so that
  // no handler outlives the locals it refers to.
  void Abort() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
    io.restart();
    io.run_for(std::chrono::seconds(5));
  }

  std::string ClosedMessage() const {
    if (read_error == websocket::error::closed) {
      const auto& reason = ws.reason();
      return "websocket closed by the server: code=" + std::to_string(reason.code) +
             " reason=" + std::string(reason.reason.data(), reason.reason.size());
    }
    return "websocket connection lost: " + read_error.message();
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}

WsClient::~WsClient() {
  try {
    Close();
  } catch (...) {  // only allocation can throw here; a destructor must not
  }
}

std::unique_ptr<WsClient> WsClient::Connect(
    uint16_t port, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& subprotocol,
    int* http_status_on_failure) {
  if (http_status_on_failure) *http_status_on_failure = 0;
  std::unique_ptr<WsClient> client(new WsClient());
  Impl& impl = *client->impl_;

  bool done = false;
  beast::error_code ec;
  beast::get_lowest_layer(impl.ws).async_connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code e) {
        ec = e;
        done = true;
      });
  if (!impl.RunUntil([&] { return done; }, kIoTimeout) || ec) {
    impl.Abort();
    impl.closed = true;
    return nullptr;
  }

  impl.ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& req) {
    req.set(beast::http::field::user_agent, "streamspace-test");
    if (!subprotocol.empty()) req.set(beast::http::field::sec_websocket_protocol, subprotocol);
    for (const auto& [name, value] : headers) req.set(name, value);
  }));
  impl.ws.read_message_max(size_t{64} * 1024 * 1024);

  // The overload with a response reports the status of a refused upgrade.
  websocket::response_type response;
  response.result(0);  // stays 0 unless an HTTP response arrives (Beast's default is 200)
  done = false;
  const std::string host = "127.0.0.1:" + std::to_string(port);
  impl.ws.async_handshake(response, host, target, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  if (!impl.RunUntil([&] { return done; }, kIoTimeout) || ec) {
    impl.Abort();
    impl.closed = true;
    if (http_status_on_failure) *http_status_on_failure = static_cast<int>(response.result_int());
    return nullptr;
  }
  // The decorator refers to this function's arguments: drop it before they go away.
  impl.ws.set_option(websocket::stream_base::decorator([](websocket::request_type&) {}));
  client->subprotocol_ = std::string(response[beast::http::field::sec_websocket_protocol]);
  return client;
}

void WsClient::WriteBinary(std::string_view data) { Write(data, true); }

void WsClient::WriteText(std::string_view data) { Write(data, false); }

void WsClient::Write(std::string_view data, bool binary) {
  Impl& impl = *impl_;
  if (impl.closed) throw ConnectionClosed("write on a closed websocket");
  if (impl.read_error) throw ConnectionClosed(impl.ClosedMessage());
  impl.ws.binary(binary);
  bool done = false;
  beast::error_code ec;
  impl.ws.async_write(asio::buffer(data.data(), data.size()), [&](beast::error_code e, size_t) {
    ec = e;
    done = true;
  });
  if (!impl.RunUntil([&] { return done; }, kIoTimeout)) {
    impl.Abort();  // the handler refers to locals: finish it before returning
    impl.closed = true;
    throw std::runtime_error("websocket write timed out");
  }
  if (ec) throw ConnectionClosed("websocket write failed: " + ec.message());
}

std::string WsClient::Read(std::chrono::milliseconds timeout, bool* is_binary) {
  Impl& impl = *impl_;
  if (impl.messages.empty() && !impl.read_pending && !impl.read_error && !impl.closed) {
    impl.StartRead();
  }
  impl.RunUntil([&] { return !impl.messages.empty() || !impl.read_pending; }, timeout);
  if (!impl.messages.empty()) {
    Impl::Message message = std::move(impl.messages.front());
    impl.messages.pop_front();
    if (is_binary) *is_binary = message.binary;
    return std::move(message.data);
  }
  if (impl.read_error) throw ConnectionClosed(impl.ClosedMessage());
  if (impl.closed) throw ConnectionClosed("read on a closed websocket");
  throw ReadTimeout("no websocket message within " + std::to_string(timeout.count()) + " ms");
}

void WsClient::Close() {
  Impl& impl = *impl_;
  if (impl.closed) return;
  impl.closed = true;
  if (!impl.read_error) {
    bool done = false;
    impl.ws.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
    // A pending read receives the server's close frame and ends with error::closed.
    impl.RunUntil([&] { return done && !impl.read_pending; }, std::chrono::seconds(5));
  }
  impl.Abort();
}

void WsRfbTransport::Write(std::string_view data) { ws_.WriteBinary(data); }

std::string WsRfbTransport::Read(size_t n) {
  const auto deadline = Clock::now() + timeout_;
  while (buffer_.size() < n) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) throw ReadTimeout("RFB read over websocket timed out");
    bool binary = true;
    std::string message = ws_.Read(left, &binary);
    if (!binary) throw std::runtime_error("text message in an RFB stream");
    buffer_ += message;
  }
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return out;
}

}  // namespace sp::test
