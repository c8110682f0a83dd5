// JsonReader: the one way request bodies are parsed and validated. Each accessor reads one
// field and checks it; the first problem is kept and named by field, later calls do nothing,
// and Finish() returns it as a 400. Unknown fields are ignored.
//
//   JsonReader r(req.body);
//   auto name = r.String("name", {.required = true, .min = 3, .max = 100});
//   auto scopes = r.StringList("scopes", {.min = 3, .max = 50});
//   if (auto st = r.Finish(); !st) return ErrorResponse(st.error());
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace sp::http {

struct StringRule {
  bool required = false;
  size_t min = 0;                             // in characters (UTF-8 code points)
  size_t max = 1000;                          // in characters
  std::vector<std::string_view> one_of = {};  // empty: any value
  bool email = false;
  bool trim = true;
};

struct IntRule {
  bool required = false;
  int64_t min = INT64_MIN;
  int64_t max = INT64_MAX;
};

class JsonReader {
 public:
  // An empty body reads as an empty object, so that bodies with only optional fields may be
  // omitted. Anything else that is not a JSON object is an error.
  explicit JsonReader(std::string_view body);

  std::optional<std::string> String(std::string_view field, const StringRule& rule = {});
  std::optional<int64_t> Int(std::string_view field, const IntRule& rule = {});
  std::optional<bool> Bool(std::string_view field, bool required = false);
  // Each item is checked against item_rule; max_items bounds the list.
  std::optional<std::vector<std::string>> StringList(std::string_view field,
                                                     const StringRule& item_rule = {},
                                                     size_t max_items = 100);
  // A string or a number, for fields that accept both ("maxCpu": "4000m" or 4000).
  std::optional<nlohmann::json> Scalar(std::string_view field);
  bool Has(std::string_view field) const;

  // Records a problem found by the caller's own checks, in the same form.
  void Reject(std::string_view field, std::string_view why);
  bool ok() const { return !error_; }
  Status Finish() const;

 private:
  const nlohmann::json* Find(std::string_view field, bool required);

  nlohmann::json json_;
  std::optional<Error> error_;
};

bool IsValidEmail(std::string_view s);

}  // namespace sp::http
