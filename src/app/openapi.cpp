#include "app/openapi.hpp"

#include <charconv>

#include <yaml-cpp/yaml.h>

#include "common/embedded_file.hpp"

namespace sp::openapi_embedded {
std::span<const sp::EmbeddedFile> Files();
}

namespace sp::app {
namespace {

nlohmann::json Scalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted: always a string
  if (s == "true") return true;
  if (s == "false") return false;
  if (s == "null" || s == "~") return nullptr;
  int64_t i = 0;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
      ec == std::errc() && p == s.data() + s.size() && !s.empty()) {
    return i;
  }
  double d = 0;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      ec == std::errc() && p == s.data() + s.size() && !s.empty()) {
    return d;
  }
  return s;
}

nlohmann::json Convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = Convert(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) out.push_back(Convert(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      return Scalar(node);
    default:
      return nullptr;
  }
}

}  // namespace

std::string OpenApiYaml() {
  for (const auto& f : openapi_embedded::Files()) {
    if (f.name == "openapi.yaml") return std::string(f.content);
  }
  return {};
}

Result<nlohmann::json> YamlToJson(const std::string& yaml) {
  try {
    return Convert(YAML::Load(yaml));
  } catch (const YAML::Exception& e) {
    return Fail(Errc::kInternal, std::string("invalid OpenAPI YAML: ") + e.what());
  }
}

}  // namespace sp::app
