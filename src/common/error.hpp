// The one error type of the project. Services and repositories return Result<T>; the HTTP
// layer maps Errc to a status code in exactly one place (http/error_response.cpp).
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace sp {

enum class Errc {
  kInvalidArgument,     // 400: the message names the field and why
  kUnauthenticated,     // 401
  kPermissionDenied,    // 403
  kNotFound,            // 404, also for what the caller may not see
  kAlreadyExists,       // 409
  kFailedPrecondition,  // 409: illegal state transition
  kPayloadTooLarge,     // 413
  kResourceExhausted,   // 429
  kUnavailable,         // 503
  kInternal,            // 500
};

struct Error {
  Errc code = Errc::kInternal;
  std::string message;    // safe to send to API clients
  std::string internal;   // logs only: SQL state, errno, peer address
  int retry_after_s = 0;  // for kResourceExhausted: seconds until a retry may succeed
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> Fail(Errc code, std::string message, std::string internal = {}) {
  return tl::make_unexpected(Error{code, std::move(message), std::move(internal), 0});
}

inline tl::unexpected<Error> Fail(Error error) { return tl::make_unexpected(std::move(error)); }

inline Status Ok() { return {}; }

}  // namespace sp
