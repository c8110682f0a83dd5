#include "areas/templates/template_service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "areas/audit/audit_recorder.hpp"
#include "areas/quotas/quota_limits.hpp"
#include "areas/templates/template_catalog.hpp"
#include "common/crypto.hpp"
#include "common/strings.hpp"
#include "common/time_format.hpp"

namespace sp::templates {
namespace {

Error NotFound() { return Error{Errc::kNotFound, "template not found", {}, 0}; }

tl::unexpected<Error> Invalid(std::string_view field, std::string_view why) {
  return Fail(Errc::kInvalidArgument, fmt::format("field '{}': {}", field, why));
}

bool OneOf(const std::vector<std::string_view>& values, std::string_view v) {
  for (auto x : values) {
    if (x == v) return true;
  }
  return false;
}

Status CheckLength(std::string_view field, std::string_view value, size_t min, size_t max) {
  const size_t len = Utf8Length(value);
  if (len < min || len > max) {
    return Invalid(field, min == 0 ? fmt::format("must be at most {} characters", max)
                                   : fmt::format("must be {} to {} characters", min, max));
  }
  return Ok();
}

bool HasControlOrSpace(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return true;
  }
  return false;
}

// Applies the present fields of `in` to `t` and returns them for the audit entry. Icons are
// large and env values may be secrets: the audit entry names what changed without them.
nlohmann::json Apply(Template& t, const TemplateInput& in) {
  nlohmann::json changes = nlohmann::json::object();
  auto set = [&changes](auto& field, const auto& value, const char* key) {
    if (!value || *value == field) return;
    field = *value;
    changes[key] = field;
  };
  set(t.name, in.name, "name");
  set(t.display_name, in.display_name, "displayName");
  set(t.description, in.description, "description");
  set(t.category, in.category, "category");
  set(t.tags, in.tags, "tags");
  if (in.icon && *in.icon != t.icon) {
    t.icon = *in.icon;
    changes["icon"] = "changed";
  }
  set(t.app_type, in.app_type, "appType");
  set(t.command, in.command, "command");
  set(t.image, in.image, "image");
  set(t.protocol, in.protocol, "protocol");
  set(t.http_port, in.http_port, "httpPort");
  set(t.http_path, in.http_path, "httpPath");
  if (in.cpu_millicores && *in.cpu_millicores != t.cpu_millicores) {
    t.cpu_millicores = *in.cpu_millicores;
    changes["resources.cpu"] = quotas::FormatCpu(t.cpu_millicores);
  }
  if (in.memory_mib && *in.memory_mib != t.memory_mib) {
    t.memory_mib = *in.memory_mib;
    changes["resources.memory"] = quotas::FormatMemory(t.memory_mib);
  }
  if (in.env && *in.env != t.env) {
    t.env = *in.env;
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& [key, value] : t.env) keys.push_back(key);
    changes["envKeys"] = std::move(keys);
  }
  set(t.idle_timeout_s, in.idle_timeout_s, "idleTimeout");
  set(t.persistent_home, in.persistent_home, "persistentHome");
  set(t.enabled, in.enabled, "enabled");
  return changes;
}

}  // namespace

bool IsValidTemplateName(std::string_view s) {
  if (s.size() < kMinNameLength || s.size() > kMaxNameLength) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : s) {
    if (!alnum(c) && c != '-') return false;
  }
  return alnum(s.front()) && alnum(s.back());
}

bool IsValidEnvKey(std::string_view s) {
  if (s.empty() || s.size() > kMaxEnvKeyLength) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

Status ValidateTemplate(const Template& t) {
  if (!IsValidTemplateName(t.name)) {
    return Invalid("name",
                   "must be 2 to 63 lowercase letters, digits or '-', starting and ending with a "
                   "letter or digit");
  }
  if (auto st = CheckLength("displayName", t.display_name, 1, kMaxDisplayNameLength); !st) {
    return st;
  }
  if (auto st = CheckLength("description", t.description, 0, kMaxDescriptionLength); !st) {
    return st;
  }
  if (auto st = CheckLength("category", t.category, 0, kMaxCategoryLength); !st) return st;
  if (t.tags.size() > kMaxTags) {
    return Invalid("tags", fmt::format("must have at most {} items", kMaxTags));
  }
  for (const auto& tag : t.tags) {
    if (tag.empty() || Utf8Length(tag) > kMaxTagLength) {
      return Invalid("tags", fmt::format("each item must be 1 to {} characters", kMaxTagLength));
    }
  }
  if (t.icon.size() > kMaxIconBytes) return Invalid("icon", "must be at most 256 KiB");
  if (!t.icon.empty() && !t.icon.starts_with(kIconPrefix)) {
    return Invalid("icon", "must be a data URI starting with \"data:image/\" (or empty)");
  }
  if (!OneOf(kAppTypes, t.app_type)) return Invalid("appType", "must be one of: desktop, webapp");
  if (t.command.size() > kMaxCommandItems) {
    return Invalid("command", fmt::format("must have at most {} items", kMaxCommandItems));
  }
  for (const auto& arg : t.command) {
    if (arg.empty() || Utf8Length(arg) > kMaxCommandItemLength) {
      return Invalid("command",
                     fmt::format("each item must be 1 to {} characters", kMaxCommandItemLength));
    }
  }
  if (t.image.size() > kMaxImageLength || HasControlOrSpace(t.image)) {
    return Invalid("image", fmt::format("must be a container image reference of at most {} "
                                        "characters, without spaces",
                                        kMaxImageLength));
  }
  if (t.command.empty() && t.image.empty()) {
    return Invalid("command", "a command or an image (field 'image') is required");
  }
  if (!OneOf(kProtocols, t.protocol)) return Invalid("protocol", "must be one of: vnc, http");
  if (t.http_port < 0 || t.http_port > 65535) {
    return Invalid("httpPort", "must be between 1 and 65535");
  }
  if (t.protocol == kProtocolHttp && t.http_port == 0) {
    return Invalid("httpPort", "is required when protocol is http");
  }
  if (!t.http_path.empty() &&
      (t.http_path.front() != '/' || t.http_path.size() > kMaxHttpPathLength ||
       HasControlOrSpace(t.http_path))) {
    return Invalid("httpPath", "must be a path starting with '/', without spaces");
  }
  if (t.cpu_millicores < kMinCpuMillicores || t.cpu_millicores > kMaxCpuMillicores) {
    return Invalid("resources.cpu",
                   "must be a CPU quantity such as \"1000m\" or \"2\" (at most 1000 cores)");
  }
  if (t.memory_mib < kMinMemoryMib || t.memory_mib > kMaxMemoryMib) {
    return Invalid("resources.memory",
                   "must be a memory quantity such as \"1Gi\" or \"512Mi\" (at most ~10 TB)");
  }
  if (t.env.size() > kMaxEnvEntries) {
    return Invalid("env", fmt::format("must have at most {} entries", kMaxEnvEntries));
  }
  for (const auto& [key, value] : t.env) {
    if (!IsValidEnvKey(key)) {
      return Invalid("env", "key '" + key.substr(0, 64) + "' must match [A-Za-z_][A-Za-z0-9_]*");
    }
    if (value.size() > kMaxEnvValueLength || value.find('\0') != std::string::npos) {
      return Invalid("env", "value of '" + key + "' must be at most 32 KiB, without NUL bytes");
    }
  }
  if (t.idle_timeout_s < kMinIdleTimeoutS || t.idle_timeout_s > kMaxIdleTimeoutS) {
    return Invalid("idleTimeout", fmt::format("must be between {} and {} seconds", kMinIdleTimeoutS,
                                              kMaxIdleTimeoutS));
  }
  return Ok();
}

Result<TemplateList> TemplateService::List(const auth::Principal& who, TemplateFilter filter,
                                           const http::Page& page) {
  if (!who.IsAdmin()) filter.enabled = true;
  return db_.Read([&](db::Conn& c) -> Result<TemplateList> {
    TemplateList out;
    out.templates = repo_.List(c, filter, page, out.total);
    return out;
  });
}

Result<Template> TemplateService::Get(const auth::Principal& who, const std::string& id_or_name) {
  return db_.Read([&](db::Conn& c) -> Result<Template> {
    auto t = repo_.FindByIdOrName(c, id_or_name);
    if (!t || (!t->enabled && !who.IsAdmin())) return Fail(NotFound());
    return *t;
  });
}

Result<Template> TemplateService::Find(db::Conn& c, const std::string& id_or_name) {
  auto t = repo_.FindByIdOrName(c, id_or_name);
  if (!t || !t->enabled) return Fail(NotFound());
  return *t;
}

Result<Template> TemplateService::FindAny(db::Conn& c, const std::string& id_or_name) {
  auto t = repo_.FindByIdOrName(c, id_or_name);
  if (!t) return Fail(NotFound());
  return *t;
}

Result<Template> TemplateService::Create(const auth::Principal& who, TemplateInput input) {
  if (!who.IsAdmin()) {
    return Fail(Errc::kPermissionDenied, "creating templates requires the admin role");
  }
  Template t;
  if (!input.display_name && input.name) input.display_name = input.name;
  nlohmann::json changes = Apply(t, input);
  if (auto st = ValidateTemplate(t); !st) return Fail(st.error());
  t.id = NewId();
  t.builtin = false;
  t.created_at = t.updated_at = FormatTime(clock_.Now());
  return db_.Transaction([&](db::Conn& c) -> Result<Template> {
    if (repo_.FindByName(c, t.name)) {
      return Fail(Errc::kAlreadyExists, "template name '" + t.name + "' is already taken");
    }
    repo_.Insert(c, t);
    audit::Record(c, clock_, &who, {"template.create", "template", t.id, changes});
    return t;
  });
}

Result<Template> TemplateService::Update(const auth::Principal& who, const std::string& id_or_name,
                                         TemplateInput input) {
  if (!who.IsAdmin()) {
    return Fail(Errc::kPermissionDenied, "changing templates requires the admin role");
  }
  return db_.Transaction([&](db::Conn& c) -> Result<Template> {
    auto t = repo_.FindByIdOrName(c, id_or_name);
    if (!t) return Fail(NotFound());
    if (t->builtin && input.name && *input.name != t->name) {
      return Invalid("name", "cannot be changed on a built-in template");
    }
    const std::string old_name = t->name;
    nlohmann::json changes = Apply(*t, input);
    if (auto st = ValidateTemplate(*t); !st) return Fail(st.error());
    if (changes.empty()) return *t;
    if (t->name != old_name) {
      if (repo_.FindByName(c, t->name)) {
        return Fail(Errc::kAlreadyExists, "template name '" + t->name + "' is already taken");
      }
    }
    t->updated_at = FormatTime(clock_.Now());
    repo_.Update(c, *t);
    audit::Record(c, clock_, &who, {"template.update", "template", t->id, changes});
    return *t;
  });
}

Status TemplateService::Delete(const auth::Principal& who, const std::string& id_or_name) {
  if (!who.IsAdmin()) {
    return Fail(Errc::kPermissionDenied, "deleting templates requires the admin role");
  }
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto t = repo_.FindByIdOrName(c, id_or_name);
    if (!t) return Fail(NotFound());
    // A deleted built-in would come back at the next start: disabling is what sticks.
    if (t->builtin) {
      return Fail(Errc::kFailedPrecondition,
                  "built-in templates cannot be deleted; disable it instead");
    }
    if (const int64_t active = repo_.CountActiveSessions(c, t->id); active > 0) {
      return Fail(Errc::kFailedPrecondition, fmt::format("template is in use by {} session{}",
                                                         active, active == 1 ? "" : "s"));
    }
    // sessions.template_id has no ON DELETE: the history of stopped sessions keeps it.
    if (const int64_t past = repo_.CountSessions(c, t->id); past > 0) {
      return Fail(Errc::kFailedPrecondition,
                  fmt::format("template is referenced by {} past session{}; disable it instead",
                              past, past == 1 ? "" : "s"));
    }
    repo_.Delete(c, t->id);
    audit::Record(c, clock_, &who, {"template.delete", "template", t->id, {{"name", t->name}}});
    return Ok();
  });
}

Status TemplateService::SeedBuiltins() {
  auto builtins = LoadBuiltinTemplates();
  if (!builtins) return Fail(builtins.error());
  return SeedBuiltins(*builtins);
}

Status TemplateService::SeedBuiltins(const std::vector<Template>& builtins) {
  for (const Template& builtin : builtins) {
    if (auto st = ValidateTemplate(builtin); !st) {
      return Fail(Errc::kInternal,
                  "built-in template '" + builtin.name + "': " + st.error().message);
    }
    Template t = builtin;
    t.id = NewId();
    t.builtin = true;
    t.created_at = t.updated_at = FormatTime(clock_.Now());
    auto inserted = db_.Transaction([&](db::Conn& c) -> Result<bool> {
      if (repo_.FindByName(c, t.name)) return false;
      repo_.Insert(c, t);
      audit::Record(c, clock_, nullptr,
                    {"template.create", "template", t.id, {{"name", t.name}, {"builtin", true}}});
      return true;
    });
    // Another replica starting at the same time may have inserted it first.
    if (!inserted && inserted.error().code == Errc::kAlreadyExists) continue;
    if (!inserted) return Fail(inserted.error());
    if (*inserted) spdlog::info("built-in template added name={}", t.name);
  }
  return Ok();
}

}  // namespace sp::templates
