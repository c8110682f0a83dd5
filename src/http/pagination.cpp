#include "http/pagination.hpp"

#include <charconv>

#include <fmt/format.h>

namespace sp::http {
namespace {

Result<std::optional<int64_t>> ParseIntParam(const QueryParams& q, std::string_view name,
                                             int64_t min, int64_t max) {
  auto raw = q.Get(name);
  if (!raw) return std::optional<int64_t>();
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
  if (ec != std::errc() || ptr != raw->data() + raw->size() || v < min || v > max) {
    return Fail(
        Errc::kInvalidArgument,
        fmt::format("query parameter '{}' must be an integer from {} to {}", name, min, max));
  }
  return std::optional<int64_t>(v);
}

}  // namespace

Result<Page> ParsePage(const QueryParams& query) {
  Page page;
  auto p = ParseIntParam(query, "page", 1, 1'000'000);
  if (!p) return Fail(p.error());
  auto s = ParseIntParam(query, "page_size", 1, kMaxPageSize);
  if (!s) return Fail(s.error());
  if (*p) page.page = **p;
  if (*s) page.page_size = **s;
  return page;
}

Result<std::optional<bool>> ParseBoolParam(const QueryParams& query, std::string_view name) {
  auto raw = query.Get(name);
  if (!raw) return std::optional<bool>();
  if (*raw == "true" || *raw == "1") return std::optional<bool>(true);
  if (*raw == "false" || *raw == "0") return std::optional<bool>(false);
  return Fail(Errc::kInvalidArgument,
              fmt::format("query parameter '{}' must be true or false", name));
}

nlohmann::json PagedBody(std::string_view items_key, nlohmann::json items, int64_t total,
                         const Page& page) {
  return {{std::string(items_key), std::move(items)},
          {"total", total},
          {"page", page.page},
          {"page_size", page.page_size}};
}

}  // namespace sp::http
