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

  //
  // GCC 12 destroys some temporaries of a co_await full-expression twice (a lambda with
  // non-trivial captures, for one), so the task is a named local here, and callers should
  // pass lambdas whose captures are references or trivially destructible, or named locals.
  template <class Fn>
  asio::awaitable<std::invoke_result_t<Fn&>> Run(Fn fn) {
    auto task = [fn = std::move(fn)]() mutable -> asio::awaitable<std::invoke_result_t<Fn&>> {
      co_return fn();
    };
    auto spawned = asio::co_spawn(pool_, std::move(task), asio::use_awaitable);
    co_return co_await std::move(spawned);
  }

  void Stop() {
    pool_.stop();
    pool_.join();
  }

 private:
  asio::thread_pool pool_;
};

}  // namespace sp::net
