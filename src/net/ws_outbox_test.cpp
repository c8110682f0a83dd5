#include "net/ws_outbox.hpp"

#include <thread>

#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

namespace sp::net {
namespace {

namespace websocket = beast::websocket;

// A WebSocket connection over loopback: the server end as the control plane has it, the
// client end a plain synchronous Beast stream.
struct WsPair {
  asio::io_context io;
  WsStream server{beast::tcp_stream(io.get_executor())};
  websocket::stream<tcp::socket> client{io};

  WsPair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.next_layer().connect(acceptor.local_endpoint());
    beast::get_lowest_layer(server).socket() = acceptor.accept();
    std::thread handshake([this] { client.handshake("127.0.0.1", "/"); });
    server.accept();
    handshake.join();
  }
};

// A real WebSocket pair over loopback whose client never reads: the server's writes stall
// once the kernel buffers are full, and the outbox must then drop the client instead of
// queueing without bound.
TEST(WsOutbox, DropsAConsumerThatStopsReading) {
  // The client never reads.
  WsPair pair;
  auto& io = pair.io;
  auto& server_ws = pair.server;

  auto outbox = std::make_shared<WsOutbox>(server_ws, 256);
  bool writer_done = false;
  asio::co_spawn(io, outbox->Run(), [&](std::exception_ptr) { writer_done = true; });
  // Paced pushes, so that the writer drains the queue into the kernel's buffers for as long
  // as they take data: the drop must come from the stalled socket, not from a burst.
  const auto message = std::make_shared<const std::string>(64 * 1024, 'x');
  int pushed = 0;
  for (int batch = 0; batch < 400 && !outbox->dropped(); ++batch) {
    for (int i = 0; i < 50; ++i, ++pushed) outbox->Push(message);
    io.run_for(std::chrono::milliseconds(20));
  }
  io.run_for(std::chrono::seconds(5));

  EXPECT_TRUE(outbox->dropped());
  EXPECT_TRUE(writer_done);
  // More than the queue's bound went out before the stall: the socket took what it could.
  EXPECT_GT(pushed, 256 + 50);
}

TEST(WsOutbox, DeliversEverythingToAConsumerThatKeepsUp) {
  WsPair pair;
  auto& io = pair.io;
  auto& server_ws = pair.server;
  auto& client_ws = pair.client;

  auto outbox = std::make_shared<WsOutbox>(server_ws, 256);
  asio::co_spawn(io, outbox->Run(), asio::detached);
  std::thread io_thread([&] { io.run(); });
  int received = 0;
  for (int round = 0; round < 10; ++round) {
    for (int i = 0; i < 100; ++i) outbox->Push("message " + std::to_string(round * 100 + i));
    outbox->Ping();
    for (int i = 0; i < 100; ++i) {
      beast::flat_buffer buffer;
      client_ws.read(buffer);
      EXPECT_EQ(beast::buffers_to_string(buffer.data()),
                "message " + std::to_string(round * 100 + i));
      ++received;
    }
  }
  EXPECT_EQ(received, 1000);
  EXPECT_FALSE(outbox->dropped());
  outbox->Close(true);
  io_thread.join();
}

}  // namespace
}  // namespace sp::net
