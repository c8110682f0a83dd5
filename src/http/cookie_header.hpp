// Reading the Cookie request header (RFC 6265 section 5.4: `name=value` pairs joined by "; ").
// The API reads its session cookie with it, and the session proxy strips its own cookie before
// a request reaches the app.
#pragma once

#include <string>
#include <string_view>

namespace sp::http {

// The value of cookie `name` in a Cookie header, or empty when it is not there.
std::string_view CookieValue(std::string_view header, std::string_view name);

// The Cookie header with every `name=...` pair left out; the other pairs keep their order.
std::string CookieHeaderWithout(std::string_view header, std::string_view name);

}  // namespace sp::http
