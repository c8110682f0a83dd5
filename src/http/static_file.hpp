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

// The file `rel` under `root` as a 200 response with its content type, `cache_control` and an
// ETag; a 304 without a body when `if_none_match` (the request's If-None-Match) names that
// ETag; nullopt when `rel` is not a safe path or no such regular file exists.
std::optional<Response> StaticFile(const std::string& root, std::string_view rel,
                                   std::string_view cache_control,
                                   std::string_view if_none_match = {});

// A weak validator of a file's content, from its size and modification time, or empty when
// the file cannot be read.
std::string FileETag(const std::string& path);

// Whether an If-None-Match value ("*", or a comma-separated list of tags, weak or strong)
// matches `etag`, compared weakly as RFC 9110 asks for If-None-Match.
bool ETagMatches(std::string_view if_none_match, std::string_view etag);

}  // namespace sp::http
