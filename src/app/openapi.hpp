// The OpenAPI document (api/openapi.yaml, embedded at build time), served as YAML and as
// JSON converted once at start.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace sp::app {

std::string OpenApiYaml();
Result<nlohmann::json> YamlToJson(const std::string& yaml);

}  // namespace sp::app
