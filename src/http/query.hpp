// Query-string and percent-decoding. Written here because no Debian package does it
// without pulling in a whole HTTP framework.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sp::http {

// Decodes %XX escapes; with plus_as_space, '+' becomes ' ' (form encoding). Returns nullopt
// on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_as_space);

class QueryParams {
 public:
  QueryParams() = default;
  // Malformed pairs are skipped: a bad escape in one parameter must not hide the others.
  static QueryParams Parse(std::string_view query);

  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& All() const { return params_; }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

}  // namespace sp::http
