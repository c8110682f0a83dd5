#include "areas/templates/template_catalog.hpp"

#include <set>

#include <sodium.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "areas/quotas/quota_limits.hpp"
#include "areas/templates/template_service.hpp"

namespace sp::templates_embedded {
std::span<const sp::EmbeddedFile> Files();
}

namespace sp::templates {
namespace {

const std::set<std::string, std::less<>> kYamlKeys = {
    "name",      "displayName", "description", "category",       "tags",     "icon",
    "appType",   "command",     "image",       "protocol",       "httpPort", "httpPath",
    "resources", "env",         "idleTimeout", "persistentHome", "enabled"};

// Problems in a built-in file are bugs of this build: kInternal, fail-fast at start.
tl::unexpected<Error> Bad(std::string_view file, std::string_view field, std::string_view why) {
  return Fail(Errc::kInternal,
              fmt::format("built-in template {}: field '{}': {}", file, field, why));
}

std::string MimeType(std::string_view file_name) {
  if (file_name.ends_with(".svg")) return "image/svg+xml";
  if (file_name.ends_with(".png")) return "image/png";
  return "";
}

std::vector<std::string> StringList(const YAML::Node& node) {
  if (!node.IsSequence()) throw YAML::Exception(node.Mark(), "must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : node) out.push_back(item.as<std::string>());
  return out;
}

// A YAML scalar as nlohmann JSON, for the quantity parsers of the quotas area.
nlohmann::json Quantity(const YAML::Node& node) { return nlohmann::json(node.as<std::string>()); }

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kVariant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Result<Template> ParseTemplateYaml(std::string_view file_name, std::string_view yaml,
                                   std::span<const EmbeddedFile> icons) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Fail(Errc::kInternal, fmt::format("built-in template {}: {}", file_name, e.what()));
  }
  if (!root.IsMap()) {
    return Fail(Errc::kInternal, fmt::format("built-in template {}: must be a map", file_name));
  }
  const YAML::Node& doc = root;
  for (const auto& item : doc) {
    const std::string key = item.first.as<std::string>("");
    if (!kYamlKeys.contains(key)) return Bad(file_name, key, "is not a template field");
  }
  Template t;
  std::string field;  // the field being read, for type errors
  try {
    auto str = [&](const char* key, std::string& out) {
      field = key;
      if (doc[key]) out = doc[key].as<std::string>();
    };
    str("name", t.name);
    t.display_name = t.name;
    str("displayName", t.display_name);
    str("description", t.description);
    str("category", t.category);
    str("appType", t.app_type);
    str("image", t.image);
    str("protocol", t.protocol);
    str("httpPath", t.http_path);
    field = "tags";
    if (doc["tags"]) t.tags = StringList(doc["tags"]);
    field = "command";
    if (doc["command"]) t.command = StringList(doc["command"]);
    field = "httpPort";
    if (doc["httpPort"]) t.http_port = doc["httpPort"].as<int64_t>();
    field = "idleTimeout";
    if (doc["idleTimeout"]) t.idle_timeout_s = doc["idleTimeout"].as<int64_t>();
    field = "persistentHome";
    if (doc["persistentHome"]) t.persistent_home = doc["persistentHome"].as<bool>();
    field = "enabled";
    if (doc["enabled"]) t.enabled = doc["enabled"].as<bool>();
    field = "resources";
    if (const YAML::Node res = doc["resources"]) {
      if (!res.IsMap()) return Bad(file_name, "resources", "must be a map of cpu and memory");
      for (const auto& item : res) {
        const std::string key = item.first.as<std::string>("");
        if (key != "cpu" && key != "memory") {
          return Bad(file_name, "resources." + key, "is not a resource (cpu, memory)");
        }
      }
      field = "resources.cpu";
      if (res["cpu"]) {
        auto v = quotas::ParseCpuMillicores(Quantity(res["cpu"]));
        if (!v) return Bad(file_name, field, "must be a CPU quantity such as \"1000m\" or \"2\"");
        t.cpu_millicores = *v;
      }
      field = "resources.memory";
      if (res["memory"]) {
        auto v = quotas::ParseMemoryMib(Quantity(res["memory"]));
        if (!v) return Bad(file_name, field, "must be a memory quantity such as \"1Gi\"");
        t.memory_mib = *v;
      }
    }
    field = "env";
    if (const YAML::Node env = doc["env"]) {
      if (!env.IsMap()) return Bad(file_name, "env", "must be a map of strings");
      for (const auto& item : env) {
        t.env[item.first.as<std::string>()] = item.second.as<std::string>();
      }
    }
    field = "icon";
    if (doc["icon"]) {
      const std::string icon_file = doc["icon"].as<std::string>();
      const std::string mime = MimeType(icon_file);
      if (mime.empty()) return Bad(file_name, "icon", "must name an .svg or .png file");
      bool found = false;
      for (const auto& f : icons) {
        if (f.name != icon_file) continue;
        t.icon = "data:" + mime + ";base64," + Base64Encode(f.content);
        found = true;
        break;
      }
      if (!found) return Bad(file_name, "icon", "no file '" + icon_file + "' in icons/");
    }
  } catch (const YAML::Exception& e) {
    return Bad(file_name, field, "has the wrong type (" + e.msg + ")");
  }
  if (auto st = ValidateTemplate(t); !st) {
    return Fail(Errc::kInternal,
                fmt::format("built-in template {}: {}", file_name, st.error().message));
  }
  return t;
}

Result<std::vector<Template>> LoadTemplates(std::span<const EmbeddedFile> files) {
  std::vector<Template> out;
  std::set<std::string, std::less<>> names;
  for (const auto& f : files) {
    if (!f.name.ends_with(".yaml")) continue;
    auto t = ParseTemplateYaml(f.name, f.content, files);
    if (!t) return Fail(t.error());
    if (!names.insert(t->name).second) {
      return Fail(Errc::kInternal,
                  fmt::format("built-in template {}: name '{}' is used twice", f.name, t->name));
    }
    out.push_back(std::move(*t));
  }
  return out;
}

Result<std::vector<Template>> LoadBuiltinTemplates() {
  return LoadTemplates(templates_embedded::Files());
}

}  // namespace sp::templates
