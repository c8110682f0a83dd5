#include "areas/templates/template_json.hpp"

#include "areas/quotas/quota_limits.hpp"
#include "http/json_reader.hpp"

namespace sp::templates {
namespace {

// `resources` and `env` are objects, which JsonReader does not read: they come from a second
// parse of the body (JsonReader has already reported a body that is not a JSON object).
void ReadObjects(std::string_view body, http::JsonReader& r, TemplateInput& in) {
  if (!r.ok()) return;
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return;
  if (auto it = json.find("resources"); it != json.end() && !it->is_null()) {
    if (!it->is_object()) {
      r.Reject("resources", "must be an object such as {\"cpu\": \"1000m\", \"memory\": \"1Gi\"}");
      return;
    }
    if (auto cpu = it->find("cpu"); cpu != it->end() && !cpu->is_null()) {
      auto v = quotas::ParseCpuMillicores(*cpu);
      if (!v || *v < kMinCpuMillicores || *v > kMaxCpuMillicores) {
        r.Reject("resources.cpu",
                 "must be a CPU quantity such as \"1000m\" or \"2\" (at most 1000 cores)");
        return;
      }
      in.cpu_millicores = *v;
    }
    if (auto mem = it->find("memory"); mem != it->end() && !mem->is_null()) {
      auto v = quotas::ParseMemoryMib(*mem);
      if (!v || *v < kMinMemoryMib || *v > kMaxMemoryMib) {
        r.Reject("resources.memory",
                 "must be a memory quantity such as \"1Gi\" or \"512Mi\" (at most ~10 TB)");
        return;
      }
      in.memory_mib = *v;
    }
  }
  if (auto it = json.find("env"); it != json.end() && !it->is_null()) {
    if (!it->is_object()) {
      r.Reject("env", "must be an object of string values");
      return;
    }
    if (it->size() > kMaxEnvEntries) {
      r.Reject("env", "must have at most 100 entries");
      return;
    }
    std::map<std::string, std::string> env;
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) {
        r.Reject("env", "value of '" + key.substr(0, 64) + "' must be a string");
        return;
      }
      env.emplace(key, value.get<std::string>());
    }
    in.env = std::move(env);
  }
}

Result<TemplateInput> Parse(std::string_view body, bool create) {
  http::JsonReader r(body);
  TemplateInput in;
  in.name = r.String("name", {.required = create, .min = kMinNameLength, .max = kMaxNameLength});
  in.display_name = r.String("displayName", {.min = 1, .max = kMaxDisplayNameLength});
  in.description = r.String("description", {.max = kMaxDescriptionLength});
  in.category = r.String("category", {.max = kMaxCategoryLength});
  in.tags = r.StringList("tags", {.min = 1, .max = kMaxTagLength}, kMaxTags);
  in.icon = r.String("icon", {.max = kMaxIconBytes});
  in.app_type = r.String("appType", {.one_of = kAppTypes});
  in.command = r.StringList("command", {.min = 1, .max = kMaxCommandItemLength, .trim = false},
                            kMaxCommandItems);
  in.image = r.String("image", {.max = kMaxImageLength});
  in.protocol = r.String("protocol", {.one_of = kProtocols});
  in.http_port = r.Int("httpPort", {.min = 1, .max = 65535});
  in.http_path = r.String("httpPath", {.max = kMaxHttpPathLength});
  in.idle_timeout_s = r.Int("idleTimeout", {.min = kMinIdleTimeoutS, .max = kMaxIdleTimeoutS});
  in.persistent_home = r.Bool("persistentHome");
  in.enabled = r.Bool("enabled");
  ReadObjects(body, r, in);
  if (auto st = r.Finish(); !st) return Fail(st.error());
  return in;
}

}  // namespace

nlohmann::json ToJson(const Template& t) {
  nlohmann::json env = nlohmann::json::object();
  for (const auto& [key, value] : t.env) env[key] = value;
  return {{"id", t.id},
          {"name", t.name},
          {"displayName", t.display_name},
          {"description", t.description},
          {"category", t.category},
          {"tags", t.tags},
          {"icon", t.icon},
          {"appType", t.app_type},
          {"command", t.command},
          {"image", t.image},
          {"protocol", t.protocol},
          {"httpPort", t.http_port},
          {"httpPath", t.http_path},
          {"resources",
           {{"cpu", quotas::FormatCpu(t.cpu_millicores)},
            {"memory", quotas::FormatMemory(t.memory_mib)}}},
          {"env", std::move(env)},
          {"idleTimeout", t.idle_timeout_s},
          {"persistentHome", t.persistent_home},
          {"builtin", t.builtin},
          {"enabled", t.enabled},
          {"createdAt", t.created_at},
          {"updatedAt", t.updated_at}};
}

Result<TemplateInput> ParseCreateTemplate(std::string_view body) { return Parse(body, true); }

Result<TemplateInput> ParseUpdateTemplate(std::string_view body) { return Parse(body, false); }

}  // namespace sp::templates
