// Files served as they are from a directory (the web UI's build, Swagger UI's assets): the
// one place that decides which request paths may name a file and what type a file is.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/response.hpp"

namespace sp::http {

// Plain relative paths only: /-separated names of A-Z a-z 0-9 - _ . @, none starting with a
// dot (so no "..", no hidden files), at most 512 characters.
bool IsSafeRelativePath(std::string_view path);

// The file `rel` under `root` as a 200 response with its content type and `cache_control`;
// nullopt when `rel` is not a safe path or no such regular file exists.
std::optional<Response> StaticFile(const std::string& root, std::string_view rel,
                                   std::string_view cache_control);

}  // namespace sp::http
