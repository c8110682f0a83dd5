// A file compiled into the binary by cmake/embed.cmake (migrations, the OpenAPI document).
#pragma once

#include <span>
#include <string_view>

namespace sp {

struct EmbeddedFile {
  std::string_view name;
  std::string_view content;
};

}  // namespace sp
