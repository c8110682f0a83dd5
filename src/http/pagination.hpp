// Paging of list endpoints: `page` (from 1) and `page_size` query parameters; responses
// carry `page`, `page_size` and `total` beside the items.
#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "http/query.hpp"

namespace sp::http {

struct Page {
  int64_t page = 1;
  int64_t page_size = 50;
  int64_t Offset() const { return (page - 1) * page_size; }
};

inline constexpr int64_t kDefaultPageSize = 50;
inline constexpr int64_t kMaxPageSize = 1000;

Result<Page> ParsePage(const QueryParams& query);
// Reads an optional boolean query parameter ("true"/"false"/"1"/"0").
Result<std::optional<bool>> ParseBoolParam(const QueryParams& query, std::string_view name);
// {"<items_key>": items, "total": total, "page": page, "page_size": size}
nlohmann::json PagedBody(std::string_view items_key, nlohmann::json items, int64_t total,
                         const Page& page);

}  // namespace sp::http
