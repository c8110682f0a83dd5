// WorkerPool runs blocking work (SQL, password hashing, files, processes) off the I/O
// threads. A coroutine awaits Run(fn) and resumes on its own executor; exceptions thrown by
// fn propagate to the awaiting coroutine.
#pragma once

#include <type_traits>

#include "net/asio.hpp"

namespace sp::net {

class WorkerPool {
 public:
  explicit WorkerPool(size_t threads) : pool_(threads) {}
  ~WorkerPool() { Stop(); }

  template <class Fn>
  asio::awaitable<std::invoke_result_t<Fn&>> Run(Fn fn) {
    co_return co_await asio::co_spawn(
        pool_,
        [fn = std::move(fn)]() mutable -> asio::awaitable<std::invoke_result_t<Fn&>> {
          co_return fn();
        },
        asio::use_awaitable);
  }

  void Stop() {
    pool_.stop();
    pool_.join();
  }

 private:
  asio::thread_pool pool_;
};

}  // namespace sp::net
