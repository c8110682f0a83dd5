#include "http/cookie_header.hpp"

#include <algorithm>

namespace sp::http {
namespace {

// Calls `visit(pair, name_matches)` for each non-empty pair; stops when it returns false.
template <typename Visit>
void ForEachPair(std::string_view header, std::string_view name, Visit visit) {
  while (!header.empty()) {
    const size_t end = std::min(header.find(';'), header.size());
    std::string_view pair = header.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const bool named =
        pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=';
    if (!pair.empty() && !visit(pair, named)) return;
    header.remove_prefix(std::min(end + 1, header.size()));
  }
}

}  // namespace

std::string_view CookieValue(std::string_view header, std::string_view name) {
  std::string_view value;
  ForEachPair(header, name, [&](std::string_view pair, bool named) {
    if (named) value = pair.substr(name.size() + 1);
    return !named;
  });
  return value;
}

std::string CookieHeaderWithout(std::string_view header, std::string_view name) {
  std::string out;
  ForEachPair(header, name, [&](std::string_view pair, bool named) {
    if (!named) {
      if (!out.empty()) out += "; ";
      out += pair;
    }
    return true;
  });
  return out;
}

}  // namespace sp::http
