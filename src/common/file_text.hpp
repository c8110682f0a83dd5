// Whole small files (state files, /proc entries, mounted secrets) as text.
#pragma once

#include <optional>
#include <string>

namespace sp {

// The file's bytes; nullopt when it cannot be opened.
std::optional<std::string> ReadSmallFile(const std::string& path);

}  // namespace sp
