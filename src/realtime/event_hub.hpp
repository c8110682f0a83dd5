// EventHub: the user event hub of spec 34. Browsers open GET /api/v1/ws/<channel>
// (sessions, notifications, metrics, alerts) with their access token, from the same
// origin, and receive the events they may see, narrowed by the filters they subscribe
// with. Publish() never blocks: each client has its own bounded send queue (256), and a
// client that falls that far behind is dropped; it reconnects and resyncs by itself.
// Keep-alive follows spec F: a ping every 54 s, and a client silent for 60 s is closed.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "auth/principal.hpp"
#include "http/pipeline.hpp"
#include "net/websocket.hpp"
#include "net/worker_pool.hpp"
#include "net/ws_outbox.hpp"
#include "realtime/event_filter.hpp"
#include "realtime/hub_event.hpp"

namespace sp::realtime {

struct EventHubOptions {
  std::chrono::milliseconds ping_interval{std::chrono::seconds(54)};
  std::chrono::milliseconds read_deadline{std::chrono::seconds(60)};
  size_t send_queue = 256;
  size_t max_message_bytes = 16 * 1024;  // what a client may send (subscriptions)
};

class EventHub {
 public:
  EventHub(http::Authenticator& auth, net::WorkerPool& workers, EventHubOptions options = {});
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Thread-safe, non-blocking; delivers to every matching client of the event's channel.
  void Publish(const HubEvent& event);
  // Thread-safe.
  size_t ConnectedCount() const;
  void DisconnectUser(const std::string& user_id);
  void CloseAll();

  // The WebSocket endpoint of one channel (channel::*).
  net::WsEndpoint& Endpoint(std::string_view channel_name);

 private:
  class ChannelEndpoint;
  struct Client {
    std::string id;  // "userID-unixnano", as the spec names clients
    std::string channel;
    auth::Principal principal;
    std::shared_ptr<net::WsOutbox> outbox;
    mutable std::mutex filter_mu;
    EventFilter filter;
  };

  net::asio::awaitable<void> Serve(const std::string& channel_name, net::beast::tcp_stream& stream,
                                   net::WsContext& context);
  // Applies one client message ({"type":"subscribe",...} or {"type":"ping"}).
  void HandleClientMessage(Client& client, const std::string& frame);
  void Add(const std::shared_ptr<Client>& client);
  void Remove(const std::shared_ptr<Client>& client);

  http::Authenticator& auth_;
  net::WorkerPool& workers_;
  EventHubOptions options_;
  std::map<std::string, std::unique_ptr<ChannelEndpoint>, std::less<>> endpoints_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Client>> clients_;
  std::atomic<uint64_t> sequence_{0};
};

}  // namespace sp::realtime
