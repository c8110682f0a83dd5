// Small string helpers shared by parsers and validators.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sp {

std::string ToLower(std::string_view s);
std::vector<std::string_view> Split(std::string_view s, char sep);
std::string_view Trim(std::string_view s);  // spaces and tabs
// Any ASCII whitespace, line breaks included (text files such as tokens).
std::string_view TrimSpace(std::string_view s);
// Escapes a value so that it can be embedded in a JSON string (used by the log pattern).
std::string JsonEscape(std::string_view s);
// Number of UTF-8 code points (what users call characters) in s.
size_t Utf8Length(std::string_view s);

}  // namespace sp
