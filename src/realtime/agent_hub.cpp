#include "realtime/agent_hub.hpp"

#include <boost/beast/websocket.hpp>

#include "common/log.hpp"
#include "protocol/agent_protocol.hpp"

namespace sp::realtime {

namespace websocket = net::beast::websocket;

std::string_view BearerOf(const http::Request& request) {
  std::string_view h = request.Header("authorization");
  if (h.size() > 7 && (h.substr(0, 7) == "Bearer " || h.substr(0, 7) == "bearer ")) {
    return h.substr(7);
  }
  return {};
}

Result<std::shared_ptr<void>> AgentHub::Authorize(http::Request& request) {
  auto agent_id = request.query.Get("agent_id");
  if (!agent_id || agent_id->empty()) {
    return Fail(Errc::kInvalidArgument, "query parameter 'agent_id' is required");
  }
  auto agent = agents_.Authenticate(std::string(*agent_id), BearerOf(request));
  if (!agent) return Fail(agent.error());
  return std::shared_ptr<void>(std::make_shared<std::string>(agent->agent_id));
}

std::shared_ptr<AgentHub::Connection> AgentHub::Lookup(const std::string& agent_id) const {
  std::lock_guard lock(mu_);
  auto it = connections_.find(agent_id);
  return it == connections_.end() ? nullptr : it->second;
}

bool AgentHub::IsConnected(const std::string& agent_id) const {
  return Lookup(agent_id) != nullptr;
}

size_t AgentHub::ConnectedCount() const {
  std::lock_guard lock(mu_);
  return connections_.size();
}

void AgentHub::Deliver(Connection& conn, bool include_unacked) {
  std::lock_guard lock(conn.flush_mu);
  auto commands = agents_.TakeDeliverable(conn.agent_id, include_unacked);
  if (!commands) {
    spdlog::error("command delivery failed agent_id={} error={}", conn.agent_id,
                  commands.error().internal);
    return;
  }
  for (const auto& c : *commands) {
    conn.outbox->Push(
        protocol::CommandMessage({c.command_id, c.action, c.session_id.value_or(""), c.payload}));
    spdlog::debug("command sent agent_id={} command_id={} action={}", conn.agent_id, c.command_id,
                  c.action);
  }
}

void AgentHub::Flush(const std::string& agent_id) {
  if (auto conn = Lookup(agent_id)) Deliver(*conn, false);
}

void AgentHub::Disconnect(const std::string& agent_id) {
  if (auto conn = Lookup(agent_id)) conn->outbox->Close(true);
}

void AgentHub::CloseAll() {
  std::lock_guard lock(mu_);
  for (auto& [id, conn] : connections_) conn->outbox->Close(true);
}

bool AgentHub::Handle(Connection& conn, const std::string& frame) {
  try {
    return HandleMessage(conn, frame);
  } catch (const std::exception& e) {
    spdlog::error("agent message failed agent_id={} error={}", conn.agent_id, e.what());
    return false;
  }
}

bool AgentHub::HandleMessage(Connection& conn, const std::string& frame) {
  auto parsed = protocol::ParseMessage(frame);
  if (!parsed) {
    spdlog::warn("bad agent message agent_id={} error={}", conn.agent_id, parsed.error().message);
    return false;
  }
  const nlohmann::json& m = *parsed;
  const std::string type = m["type"];
  const std::string id = conn.agent_id;
  Status st = Ok();
  if (type == protocol::msg::kRegister) {
    agents::RegisterRequest hello;
    hello.platform = m.value("platform", "");
    hello.region = m.value("region", "");
    hello.version = m.value("version", "");
    if (auto it = m.find("capacity"); it != m.end()) {
      hello.capacity = protocol::CapacityFromJson(*it);
    }
    if (m.value("agent_id", id) != id) {
      spdlog::warn("agent announced another id agent_id={} announced={}", id,
                   m.value("agent_id", ""));
      return false;
    }
    st = agents_.OnConnected(id, hello);
    if (st) {
      conn.outbox->Push(protocol::RegisteredMessage(
          static_cast<int>(agents_.options().heartbeat_interval.count())));
      // Everything it has not acknowledged, in order: it applies each command once.
      Deliver(conn, true);
    }
  } else if (type == protocol::msg::kHeartbeat) {
    st = agents_.OnHeartbeat(id, protocol::CapacityFromJson(m.value("capacity", nlohmann::json())),
                             m.value("active_sessions", int64_t{0}),
                             m.value("status", "online") == "draining");
  } else if (type == protocol::msg::kAck) {
    st = agents_.OnAck(id, m.value("command_id", ""));
  } else if (type == protocol::msg::kComplete) {
    st = agents_.OnComplete(id, m.value("command_id", ""),
                            m.value("result", nlohmann::json::object()));
    Deliver(conn, false);  // follow-up commands queued by the completion
  } else if (type == protocol::msg::kFailed) {
    st = agents_.OnFailed(id, m.value("command_id", ""), m.value("error", "unknown error"));
    Deliver(conn, false);
  } else if (type == protocol::msg::kStatus) {
    st = agents_.OnStatus(
        id, {m.value("session_id", ""), m.value("state", ""), m.value("details", "")});
    Deliver(conn, false);
  } else if (type == protocol::msg::kSessionsReport) {
    auto r = agents_.OnSessionsReport(id, protocol::ReportsFromJson(m));
    if (!r) st = Fail(r.error());
    Deliver(conn, false);  // deletions of sessions it must not run
  } else if (type == protocol::msg::kPing) {
    // Liveness is WebSocket pings and heartbeats; nothing to do.
  } else {
    spdlog::warn("unknown agent message agent_id={} type={}", id, type);
  }
  if (!st) {
    spdlog::warn("agent message not applied agent_id={} type={} error={} detail={}", id, type,
                 st.error().message, st.error().internal);
  }
  return true;
}

net::asio::awaitable<void> AgentHub::Serve(net::beast::tcp_stream& stream, net::WsContext& ctx) {
  const std::string agent_id = *std::static_pointer_cast<std::string>(ctx.grant);
  net::WsStream ws(std::move(stream));
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(30);
  timeouts.idle_timeout = std::chrono::seconds(60);  // spec: read deadline 60 s
  timeouts.keep_alive_pings = true;                  // pings at half of it
  ws.set_option(timeouts);
  ws.read_message_max(4 * 1024 * 1024);
  if (auto ec = co_await net::AcceptUpgrade(ws, ctx.raw); ec) co_return;

  auto conn = std::make_shared<Connection>();
  conn->agent_id = agent_id;
  conn->outbox = std::make_shared<net::WsOutbox>(ws, 4096);
  {
    std::lock_guard lock(mu_);
    conn->serial = next_serial_++;
    if (auto it = connections_.find(agent_id); it != connections_.end()) {
      it->second->outbox->Close(true);  // the newer connection wins
    }
    connections_[agent_id] = conn;
  }
  spdlog::info("agent connected agent_id={} client={}", agent_id, ctx.request.client_ip);

  net::asio::steady_timer writer_done(ws.get_executor());
  writer_done.expires_at(net::asio::steady_timer::time_point::max());
  bool writer_finished = false;
  net::asio::co_spawn(ws.get_executor(), conn->outbox->Run(),
                      [&writer_done, &writer_finished](const std::exception_ptr&) {
                        writer_finished = true;
                        writer_done.cancel();
                      });

  net::beast::flat_buffer buffer;
  while (true) {
    net::beast::error_code ec;
    co_await ws.async_read(buffer, net::asio::redirect_error(net::asio::use_awaitable, ec));
    if (ec) break;
    const std::string frame = net::beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    Connection& c = *conn;
    const bool keep = co_await workers_.Run([this, &c, &frame] { return Handle(c, frame); });
    if (!keep) break;
  }
  conn->outbox->Close(true);
  if (!writer_finished) {
    net::beast::error_code ignored;
    co_await writer_done.async_wait(net::asio::redirect_error(net::asio::use_awaitable, ignored));
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = connections_.find(agent_id); it != connections_.end() && it->second == conn) {
      connections_.erase(it);
    }
  }
  co_await workers_.Run([this, &agent_id] {
    agents_.OnDisconnected(agent_id);
    return 0;
  });
}

}  // namespace sp::realtime
