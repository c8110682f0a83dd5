// SessionSpec: everything an agent needs to run one session, sent by the control plane in
// start_session and wake_session commands (the command's payload is its JSON).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace sp::protocol {

struct SessionSpec {
  std::string session_id;
  std::string user_id;
  std::string username;
  std::string template_name;
  std::vector<std::string> command;  // the app's argv (local platform)
  std::string image;                 // container image (docker, kubernetes)
  std::string protocol = "vnc";      // vnc or http
  int http_port = 0;                 // http protocol: the app's port inside the session
  std::string http_path;             // http protocol: e.g. /websockify
  int64_t cpu_millicores = 1000;
  int64_t memory_mib = 1024;
  std::map<std::string, std::string> env;
  bool persistent_home = true;
  // Stable across sessions of one user and template: the home directory survives
  // hibernation, deletion and re-creation of sessions.
  std::string home_key;  // "<user_id>/<template_name>"
  int width = 1280;
  int height = 800;
};

nlohmann::json ToJson(const SessionSpec& spec);
Result<SessionSpec> SessionSpecFromJson(const nlohmann::json& j);

}  // namespace sp::protocol
