// Checks and quoting of the text in a session spec that platforms turn into names, shell
// words and environment variables.
#pragma once

#include <string>
#include <string_view>

namespace sp::agent {

// Session ids become directory and container names: 1-128 of A-Z a-z 0-9 . _ -, no leading dot.
bool IsSafeName(std::string_view name);
bool IsEnvName(std::string_view name);
bool HasNul(std::string_view s);
// "a'b" -> 'a'\''b': safe as one word for /bin/sh.
std::string ShellQuote(std::string_view s);

}  // namespace sp::agent
