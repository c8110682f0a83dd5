#include "net/ws_outbox.hpp"

#include <boost/beast/websocket.hpp>

#include "common/log.hpp"

namespace sp::net {

template <class Stream>
BasicWsOutbox<Stream>::BasicWsOutbox(Stream& ws, size_t max_queued)
    : ws_(ws), max_queued_(max_queued), wake_(ws.get_executor()) {
  wake_.expires_at(asio::steady_timer::time_point::max());
}

template <class Stream>
void BasicWsOutbox<Stream>::Push(std::string message) {
  Push(std::make_shared<const std::string>(std::move(message)));
}

template <class Stream>
void BasicWsOutbox<Stream>::Ping() {
  asio::post(wake_.get_executor(), [self = this->shared_from_this()] {
    if (self->closed_) return;
    self->ping_ = true;
    self->wake_.cancel();
  });
}

template <class Stream>
void BasicWsOutbox<Stream>::Push(std::shared_ptr<const std::string> message) {
  asio::post(wake_.get_executor(),
             [self = this->shared_from_this(), m = std::move(message)]() mutable {
               if (self->closed_) return;
               if (self->queue_.size() >= self->max_queued_) {
                 self->dropped_ = true;
                 spdlog::warn("websocket consumer too slow; dropping connection queued={}",
                              self->queue_.size());
                 self->closed_ = true;
                 beast::error_code ec;
                 beast::get_lowest_layer(self->ws_).socket().close(ec);
                 self->wake_.cancel();
                 return;
               }
               self->queue_.push_back(std::move(m));
               self->wake_.cancel();
             });
}

template <class Stream>
void BasicWsOutbox<Stream>::Close(bool close_socket) {
  asio::post(wake_.get_executor(), [self = this->shared_from_this(), close_socket] {
    self->closed_ = true;
    if (close_socket) {
      beast::error_code ec;
      beast::get_lowest_layer(self->ws_).socket().close(ec);
    }
    self->wake_.cancel();
  });
}

template <class Stream>
asio::awaitable<void> BasicWsOutbox<Stream>::Run() {
  auto self = this->shared_from_this();
  while (!closed_) {
    if (ping_) {
      ping_ = false;
      beast::error_code ec;
      co_await ws_.async_ping({}, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        closed_ = true;
        break;
      }
      continue;
    }
    if (queue_.empty()) {
      beast::error_code ec;  // operation_aborted just means "woken up"
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    const std::shared_ptr<const std::string> message = std::move(queue_.front());
    queue_.pop_front();
    beast::error_code ec;
    ws_.text(true);
    co_await ws_.async_write(asio::buffer(*message), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      closed_ = true;
      break;
    }
  }
}

template class BasicWsOutbox<WsStream>;
template class BasicWsOutbox<ClientWsStream>;

}  // namespace sp::net
