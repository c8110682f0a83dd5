// What the container platforms (docker, kubernetes) share about running one session in a
// container: the checks on the spec, the launcher script the container runs, its
// environment, and the name of the user's home volume.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/platform/platform.hpp"

namespace sp::agent {

inline constexpr int kContainerVncPort = 5900;
inline constexpr const char* kContainerHome = "/home/user";

// kInvalidArgument naming the field when the spec cannot run as a container on `platform`.
Status ValidateContainerSpec(const SessionSpec& spec, std::string_view platform);

// /bin/sh script: Xvnc, then (once its display is up) the app; the app's exit ends the
// container with its code. An http template runs the web app alone.
std::string ContainerLauncher(const SessionSpec& spec);

// NAME=value pairs: HOME, USER, STREAMSPACE_SESSION_ID, PORT (http), then the template's.
std::vector<std::pair<std::string, std::string>> ContainerEnv(const SessionSpec& spec);

// The port the session's endpoint listens on inside the container.
int ContainerPort(const SessionSpec& spec);

// One home volume per user and template (like the local platform's homes/<user>/<template>),
// named from a hash because user ids and template names need not be valid volume names.
std::string HomeVolumeName(const SessionSpec& spec);

}  // namespace sp::agent
