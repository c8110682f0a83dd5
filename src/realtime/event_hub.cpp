#include "realtime/event_hub.hpp"

#include <boost/beast/websocket.hpp>

#include "common/log.hpp"
#include "common/time_format.hpp"
#include "realtime/agent_hub.hpp"

namespace sp::realtime {

namespace websocket = net::beast::websocket;
using Clock = std::chrono::steady_clock;

namespace {

struct Grant {
  auth::Principal principal;
  EventFilter filter;
};

std::vector<std::string> SplitList(std::string_view csv) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= csv.size()) {
    const size_t comma = std::min(csv.find(',', start), csv.size());
    if (comma > start) out.emplace_back(csv.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// The filters a client may give in the upgrade URL, in the JSON form of a subscription.
nlohmann::json QueryFilters(const http::Request& request) {
  nlohmann::json f = nlohmann::json::object();
  if (auto v = request.query.Get("sessionIds")) f["sessionIds"] = SplitList(*v);
  if (auto v = request.query.Get("eventTypes")) f["eventTypes"] = SplitList(*v);
  if (auto v = request.query.Get("userId")) f["userId"] = std::string(*v);
  if (auto v = request.query.Get("teamId")) f["teamId"] = std::string(*v);
  return f;
}

nlohmann::json FilterJson(const EventFilter& f) {
  return {{"sessionIds", f.session_ids},
          {"userId", f.user_id},
          {"teamId", f.team_id},
          {"eventTypes", f.event_types}};
}

std::string ErrorMessage(std::string_view message) {
  return nlohmann::json{{"type", "error"}, {"message", message}}.dump();
}

}  // namespace

class EventHub::ChannelEndpoint final : public net::WsEndpoint {
 public:
  ChannelEndpoint(EventHub& hub, std::string channel) : hub_(hub), channel_(std::move(channel)) {}

  Result<std::shared_ptr<void>> Authorize(http::Request& request) override {
    if (auto st = net::CheckOrigin(request); !st) return Fail(st.error());
    // Browsers cannot set headers on a WebSocket, so the access token may come in the URL.
    std::string credential(BearerOf(request));
    if (credential.empty()) {
      if (auto token = request.query.Get("token")) credential = std::string(*token);
    }
    if (credential.empty()) {
      return Fail(Errc::kUnauthenticated,
                  "an access token is required (query parameter 'token' or a bearer header)");
    }
    auto principal = hub_.auth_.Authenticate(credential, request.client_ip);
    if (!principal) return Fail(principal.error());
    auto filter = ParseEventFilter(QueryFilters(request), *principal);
    if (!filter) return Fail(filter.error());
    return std::shared_ptr<void>(std::make_shared<Grant>(Grant{*principal, *filter}));
  }

  net::asio::awaitable<void> Serve(net::beast::tcp_stream& stream,
                                   net::WsContext& context) override {
    co_await hub_.Serve(channel_, stream, context);
  }

 private:
  EventHub& hub_;
  std::string channel_;
};

EventHub::EventHub(http::Authenticator& auth, net::WorkerPool& workers, EventHubOptions options)
    : auth_(auth), workers_(workers), options_(options) {
  for (auto name :
       {channel::kSessions, channel::kNotifications, channel::kMetrics, channel::kAlerts}) {
    endpoints_.emplace(std::string(name),
                       std::make_unique<ChannelEndpoint>(*this, std::string(name)));
  }
}

EventHub::~EventHub() = default;

net::WsEndpoint& EventHub::Endpoint(std::string_view channel_name) {
  return *endpoints_.find(channel_name)->second;
}

void EventHub::Add(const std::shared_ptr<Client>& client) {
  std::unique_lock lock(mu_);
  clients_[client->id] = client;
}

void EventHub::Remove(const std::shared_ptr<Client>& client) {
  std::unique_lock lock(mu_);
  if (auto it = clients_.find(client->id); it != clients_.end() && it->second == client) {
    clients_.erase(it);
  }
}

size_t EventHub::ConnectedCount() const {
  std::shared_lock lock(mu_);
  return clients_.size();
}

void EventHub::DisconnectUser(const std::string& user_id) {
  std::shared_lock lock(mu_);
  for (const auto& [id, client] : clients_) {
    if (client->principal.user_id == user_id) client->outbox->Close(true);
  }
}

void EventHub::CloseAll() {
  std::shared_lock lock(mu_);
  for (const auto& [id, client] : clients_) client->outbox->Close(true);
}

void EventHub::Publish(const HubEvent& event) {
  // Serialised once, shared by every recipient. The lock is shared and held only while
  // queueing: Push() never waits on a socket, and a full queue drops its client.
  std::shared_ptr<const std::string> message;
  std::shared_lock lock(mu_);
  for (const auto& [id, client] : clients_) {
    if (client->channel != event.channel) continue;
    bool deliver = false;
    {
      std::lock_guard filter_lock(client->filter_mu);
      deliver = Delivers(client->principal, client->filter, event);
    }
    if (!deliver) continue;
    if (!message) message = std::make_shared<const std::string>(event.Serialize());
    client->outbox->Push(message);
  }
}

void EventHub::HandleClientMessage(Client& client, const std::string& frame) {
  const auto m = nlohmann::json::parse(frame, nullptr, /*allow_exceptions=*/false);
  if (!m.is_object() || !m.contains("type") || !m["type"].is_string()) {
    client.outbox->Push(ErrorMessage("messages must be JSON objects with a string 'type'"));
    return;
  }
  const std::string& type = m["type"].get_ref<const std::string&>();
  if (type == "subscribe") {
    auto filter = ParseEventFilter(m.value("filters", nlohmann::json()), client.principal);
    if (!filter) {
      client.outbox->Push(ErrorMessage(filter.error().message));
      return;
    }
    {
      std::lock_guard lock(client.filter_mu);
      client.filter = *filter;
    }
    client.outbox->Push(
        nlohmann::json{{"type", "subscribed"}, {"filters", FilterJson(*filter)}}.dump());
  } else if (type == "ping" || type == "heartbeat") {
    client.outbox->Push(nlohmann::json{{"type", "pong"},
                                       {"timestamp", FormatTime(std::chrono::system_clock::now())}}
                            .dump());
  } else {
    client.outbox->Push(ErrorMessage("unknown message type '" + type.substr(0, 64) +
                                     "' (expected subscribe or ping)"));
  }
}

net::asio::awaitable<void> EventHub::Serve(const std::string& channel_name,
                                           net::beast::tcp_stream& stream, net::WsContext& ctx) {
  const auto grant = std::static_pointer_cast<Grant>(ctx.grant);
  net::WsStream ws(std::move(stream));
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(30);
  timeouts.idle_timeout = websocket::stream_base::none();  // our own deadline, below
  timeouts.keep_alive_pings = false;
  ws.set_option(timeouts);
  ws.read_message_max(options_.max_message_bytes);
  auto client = std::make_shared<Client>();
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  client->id =
      grant->principal.user_id + "-" +
      std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count()) +
      "-" + std::to_string(++sequence_);
  client->channel = channel_name;
  client->principal = grant->principal;
  client->filter = grant->filter;
  client->outbox = std::make_shared<net::WsOutbox>(ws, options_.send_queue);
  client->outbox->Push(nlohmann::json{{"type", "welcome"},
                                      {"channel", channel_name},
                                      {"clientId", client->id},
                                      {"userId", client->principal.user_id},
                                      {"filters", FilterJson(client->filter)},
                                      {"timestamp", FormatTime(std::chrono::system_clock::now())}}
                           .dump());
  // Registered before the upgrade completes: once the client sees 101, it gets every event
  // published from then on (queued until the writer starts).
  Add(client);
  if (auto ec = co_await net::AcceptUpgrade(ws, ctx.raw); ec) {
    Remove(client);
    // Let everything already queued for this client run (and see it closed) before `ws`
    // goes away with this frame.
    client->outbox->Close(false);
    co_await net::asio::post(ws.get_executor(), net::asio::use_awaitable);
    co_return;
  }
  spdlog::debug("event client connected channel={} client_id={}", channel_name, client->id);

  // Everything below runs on the connection's strand: the reader, the writer and the
  // keep-alive loop share `last_heard` without locks.
  auto last_heard = Clock::now();
  ws.control_callback(
      [&last_heard](websocket::frame_type, net::beast::string_view) { last_heard = Clock::now(); });

  int running = 2;  // writer and keep-alive
  net::asio::steady_timer all_done(ws.get_executor());
  all_done.expires_at(net::asio::steady_timer::time_point::max());
  auto finished = [&running, &all_done](const std::exception_ptr&) {
    if (--running == 0) all_done.cancel();
  };
  net::asio::co_spawn(ws.get_executor(), client->outbox->Run(), finished);

  bool stop = false;
  net::asio::steady_timer keep_alive(ws.get_executor());
  auto keep_alive_loop = [&]() -> net::asio::awaitable<void> {
    auto next_ping = Clock::now() + options_.ping_interval;
    while (!stop) {
      const auto deadline = last_heard + options_.read_deadline;
      if (Clock::now() >= deadline) {
        spdlog::debug("event client silent; closing client_id={}", client->id);
        client->outbox->Close(true);
        break;
      }
      if (Clock::now() >= next_ping) {
        client->outbox->Ping();
        next_ping = Clock::now() + options_.ping_interval;
      }
      keep_alive.expires_at(std::min(deadline, next_ping));
      net::beast::error_code ignored;
      co_await keep_alive.async_wait(net::asio::redirect_error(net::asio::use_awaitable, ignored));
    }
  };
  net::asio::co_spawn(ws.get_executor(), keep_alive_loop, finished);

  net::beast::flat_buffer buffer;
  while (true) {
    net::beast::error_code ec;
    co_await ws.async_read(buffer, net::asio::redirect_error(net::asio::use_awaitable, ec));
    if (ec) break;
    last_heard = Clock::now();
    HandleClientMessage(*client, net::beast::buffers_to_string(buffer.data()));
    buffer.consume(buffer.size());
  }
  Remove(client);
  stop = true;
  keep_alive.cancel();
  client->outbox->Close(true);
  if (running > 0) {
    net::beast::error_code ignored;
    co_await all_done.async_wait(net::asio::redirect_error(net::asio::use_awaitable, ignored));
  }
  spdlog::debug("event client disconnected channel={} client_id={} dropped={}", channel_name,
                client->id, client->outbox->dropped());
}

}  // namespace sp::realtime
