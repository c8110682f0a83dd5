#include "protocol/session_spec.hpp"

namespace sp::protocol {

using nlohmann::json;

json ToJson(const SessionSpec& s) {
  return {{"sessionId", s.session_id},
          {"userId", s.user_id},
          {"username", s.username},
          {"template", s.template_name},
          {"command", s.command},
          {"image", s.image},
          {"protocol", s.protocol},
          {"httpPort", s.http_port},
          {"httpPath", s.http_path},
          {"cpuMillicores", s.cpu_millicores},
          {"memoryMib", s.memory_mib},
          {"env", s.env},
          {"persistentHome", s.persistent_home},
          {"homeKey", s.home_key},
          {"width", s.width},
          {"height", s.height}};
}

Result<SessionSpec> SessionSpecFromJson(const json& j) {
  if (!j.is_object()) return Fail(Errc::kInvalidArgument, "session spec must be an object");
  try {
    SessionSpec s;
    s.session_id = j.at("sessionId").get<std::string>();
    s.user_id = j.value("userId", "");
    s.username = j.value("username", "");
    s.template_name = j.value("template", "");
    s.command = j.value("command", std::vector<std::string>{});
    s.image = j.value("image", "");
    s.protocol = j.value("protocol", "vnc");
    s.http_port = j.value("httpPort", 0);
    s.http_path = j.value("httpPath", "");
    s.cpu_millicores = j.value("cpuMillicores", int64_t{1000});
    s.memory_mib = j.value("memoryMib", int64_t{1024});
    s.env = j.value("env", std::map<std::string, std::string>{});
    s.persistent_home = j.value("persistentHome", true);
    s.home_key = j.value("homeKey", "");
    s.width = j.value("width", 1280);
    s.height = j.value("height", 800);
    if (s.session_id.empty()) return Fail(Errc::kInvalidArgument, "session spec without sessionId");
    return s;
  } catch (const json::exception& e) {
    return Fail(Errc::kInvalidArgument, std::string("malformed session spec: ") + e.what());
  }
}

}  // namespace sp::protocol
