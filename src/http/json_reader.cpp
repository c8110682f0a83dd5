#include "http/json_reader.hpp"

#include <fmt/format.h>

#include "common/strings.hpp"

namespace sp::http {

JsonReader::JsonReader(std::string_view body) {
  if (Trim(body).empty()) {
    json_ = nlohmann::json::object();
    return;
  }
  json_ = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json_.is_discarded()) {
    error_ = Error{Errc::kInvalidArgument, "request body is not valid JSON", {}, 0};
  } else if (!json_.is_object()) {
    error_ = Error{Errc::kInvalidArgument, "request body must be a JSON object", {}, 0};
  }
}

void JsonReader::Reject(std::string_view field, std::string_view why) {
  if (!error_) {
    error_ = Error{Errc::kInvalidArgument, fmt::format("field '{}': {}", field, why), {}, 0};
  }
}

bool JsonReader::Has(std::string_view field) const {
  if (error_) return false;
  auto it = json_.find(field);
  return it != json_.end() && !it->is_null();
}

const nlohmann::json* JsonReader::Find(std::string_view field, bool required) {
  if (error_) return nullptr;
  auto it = json_.find(field);
  if (it == json_.end() || it->is_null()) {
    if (required) Reject(field, "is required");
    return nullptr;
  }
  return &*it;
}

bool IsValidEmail(std::string_view s) {
  if (s.size() > 254) return false;
  const size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view domain = s.substr(at + 1);
  const size_t dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || domain.back() == '.') return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == '"' || c == ',' ||
        c == ';' || c == '\\') {
      return false;
    }
  }
  return true;
}

namespace {

std::optional<std::string> CheckString(std::string value, const StringRule& rule,
                                       std::string& why) {
  if (rule.trim) value = std::string(Trim(value));
  const size_t len = Utf8Length(value);
  if (rule.required && value.empty()) {
    why = "must not be empty";
    return std::nullopt;
  }
  if (!value.empty() || rule.min > 0) {
    if (len < rule.min || len > rule.max) {
      why = rule.min == rule.max ? fmt::format("must be {} characters", rule.min)
                                 : fmt::format("must be {} to {} characters", rule.min, rule.max);
      return std::nullopt;
    }
  }
  if (!rule.one_of.empty()) {
    bool found = false;
    for (auto v : rule.one_of) found = found || v == value;
    if (!found) {
      why = fmt::format("must be one of: {}", fmt::join(rule.one_of, ", "));
      return std::nullopt;
    }
  }
  if (rule.email && !IsValidEmail(value)) {
    why = "must be a valid email address";
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::string> JsonReader::String(std::string_view field, const StringRule& rule) {
  const nlohmann::json* v = Find(field, rule.required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    Reject(field, "must be a string");
    return std::nullopt;
  }
  std::string why;
  auto out = CheckString(v->get<std::string>(), rule, why);
  if (!out) Reject(field, why);
  return out;
}

std::optional<int64_t> JsonReader::Int(std::string_view field, const IntRule& rule) {
  const nlohmann::json* v = Find(field, rule.required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer()) {
    Reject(field, "must be an integer");
    return std::nullopt;
  }
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    Reject(field, "is out of range");
    return std::nullopt;
  }
  const int64_t n = v->get<int64_t>();
  if (n < rule.min || n > rule.max) {
    Reject(field, fmt::format("must be between {} and {}", rule.min, rule.max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> JsonReader::Bool(std::string_view field, bool required) {
  const nlohmann::json* v = Find(field, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    Reject(field, "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::vector<std::string>> JsonReader::StringList(std::string_view field,
                                                               const StringRule& item_rule,
                                                               size_t max_items) {
  const nlohmann::json* v = Find(field, item_rule.required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) {
    Reject(field, "must be an array of strings");
    return std::nullopt;
  }
  if (v->size() > max_items) {
    Reject(field, fmt::format("must have at most {} items", max_items));
    return std::nullopt;
  }
  std::vector<std::string> out;
  StringRule rule = item_rule;
  rule.required = true;
  for (const auto& item : *v) {
    if (!item.is_string()) {
      Reject(field, "must be an array of strings");
      return std::nullopt;
    }
    std::string why;
    auto s = CheckString(item.get<std::string>(), rule, why);
    if (!s) {
      Reject(field, "each item " + why);
      return std::nullopt;
    }
    out.push_back(std::move(*s));
  }
  return out;
}

std::optional<nlohmann::json> JsonReader::Scalar(std::string_view field) {
  const nlohmann::json* v = Find(field, false);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string() && !v->is_number()) {
    Reject(field, "must be a string or a number");
    return std::nullopt;
  }
  return *v;
}

Status JsonReader::Finish() const {
  if (error_) return Fail(*error_);
  return Ok();
}

}  // namespace sp::http
