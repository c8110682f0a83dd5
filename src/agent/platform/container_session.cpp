#include "agent/platform/container_session.hpp"

#include "agent/platform/spec_text.hpp"
#include "agent/platform/xvnc.hpp"
#include "common/crypto.hpp"

namespace sp::agent {

Status ValidateContainerSpec(const SessionSpec& spec, std::string_view platform) {
  if (!IsSafeName(spec.session_id)) {
    return Fail(Errc::kInvalidArgument,
                "session_id: must be 1-128 characters of A-Z a-z 0-9 . _ -");
  }
  if (spec.image.empty()) {
    return Fail(Errc::kInvalidArgument, "image: the " + std::string(platform) +
                                            " platform runs the template's image, and this "
                                            "template has none");
  }
  if (spec.command.empty() || spec.command.front().empty()) {
    return Fail(Errc::kInvalidArgument, "command: the app's argv is required");
  }
  for (const auto& arg : spec.command) {
    if (HasNul(arg)) return Fail(Errc::kInvalidArgument, "command: contains a NUL character");
  }
  for (const auto& [name, value] : spec.env) {
    if (!IsEnvName(name)) return Fail(Errc::kInvalidArgument, "env: invalid variable name " + name);
    if (HasNul(value)) return Fail(Errc::kInvalidArgument, "env: " + name + " contains a NUL");
  }
  if (spec.protocol != "vnc" && spec.protocol != "http") {
    return Fail(Errc::kInvalidArgument, "protocol: must be vnc or http");
  }
  if (spec.protocol == "http" && (spec.http_port < 1 || spec.http_port > 65535)) {
    return Fail(Errc::kInvalidArgument, "httpPort: an http session needs its app's port");
  }
  if (spec.cpu_millicores < 1 || spec.memory_mib < 1) {
    return Fail(Errc::kInvalidArgument, "resources: cpu and memory must be positive");
  }
  return Ok();
}

std::string ContainerLauncher(const SessionSpec& spec) {
  std::string app;
  for (const auto& arg : spec.command) {
    if (!app.empty()) app += ' ';
    app += ShellQuote(arg);
  }
  if (spec.protocol == "http") return "exec " + app + "\n";
  std::string s;
  s += "Xvnc :1 -rfbport " + std::to_string(kContainerVncPort) + " " + kXvncOptions +
       " -geometry " + std::to_string(spec.width) + "x" + std::to_string(spec.height) +
       " -desktop " + ShellQuote(spec.session_id) + " &\n";
  s += "xvnc=$!\n";
  s += "app=\n";
  s += "trap 'kill -TERM $app $xvnc 2>/dev/null; wait; exit 143' TERM INT HUP\n";
  s += "while [ ! -e /tmp/.X11-unix/X1 ]; do\n";
  s += "  kill -0 \"$xvnc\" 2>/dev/null || { echo 'streamspace: Xvnc exited' >&2; exit 1; }\n";
  s += "  sleep 0.05\n";
  s += "done\n";
  s += "DISPLAY=:1 " + app + " &\n";
  s += "app=$!\n";
  s += "wait \"$app\"\n";
  s += "status=$?\n";
  s += "kill -TERM \"$xvnc\" 2>/dev/null\n";
  s += "wait \"$xvnc\"\n";
  s += "exit \"$status\"\n";
  return s;
}

std::vector<std::pair<std::string, std::string>> ContainerEnv(const SessionSpec& spec) {
  std::vector<std::pair<std::string, std::string>> env = {
      {"HOME", kContainerHome},
      {"USER", spec.username.empty() ? std::string("user") : spec.username},
      {"STREAMSPACE_SESSION_ID", spec.session_id}};
  if (spec.protocol == "http") env.emplace_back("PORT", std::to_string(spec.http_port));
  for (const auto& [name, value] : spec.env) env.emplace_back(name, value);
  return env;
}

int ContainerPort(const SessionSpec& spec) {
  return spec.protocol == "http" ? spec.http_port : kContainerVncPort;
}

std::string HomeVolumeName(const SessionSpec& spec) {
  const std::string key =
      spec.home_key.empty() ? spec.user_id + "/" + spec.template_name : spec.home_key;
  return "ss-home-" + Sha256Hex(key).substr(0, 24);
}

}  // namespace sp::agent
