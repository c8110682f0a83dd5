// Templates: domain types. A template is an application users can launch as a session: what
// to run (a command on the local platform, an image on docker/kubernetes), how to reach it
// (VNC, or HTTP on a port) and the resources it gets. No JSON, no SQL, no HTTP here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sp::templates {

inline constexpr std::string_view kAppTypeDesktop = "desktop";
inline constexpr std::string_view kAppTypeWebapp = "webapp";
inline constexpr std::string_view kProtocolVnc = "vnc";
inline constexpr std::string_view kProtocolHttp = "http";
inline const std::vector<std::string_view> kAppTypes = {kAppTypeDesktop, kAppTypeWebapp};
inline const std::vector<std::string_view> kProtocols = {kProtocolVnc, kProtocolHttp};

// Limits of the fields, shared by the JSON reader, the YAML catalog and the service.
inline constexpr size_t kMinNameLength = 2;
inline constexpr size_t kMaxNameLength = 63;
inline constexpr size_t kMaxDisplayNameLength = 100;
inline constexpr size_t kMaxDescriptionLength = 2000;
inline constexpr size_t kMaxCategoryLength = 50;
inline constexpr size_t kMaxTags = 20;
inline constexpr size_t kMaxTagLength = 50;
inline constexpr size_t kMaxIconBytes = size_t{256} * 1024;
inline constexpr std::string_view kIconPrefix = "data:image/";
inline constexpr size_t kMaxCommandItems = 64;
inline constexpr size_t kMaxCommandItemLength = 4096;
inline constexpr size_t kMaxImageLength = 500;
inline constexpr size_t kMaxHttpPathLength = 1000;
inline constexpr size_t kMaxEnvEntries = 100;
inline constexpr size_t kMaxEnvKeyLength = 256;
inline constexpr size_t kMaxEnvValueLength = size_t{32} * 1024;
inline constexpr int64_t kMinCpuMillicores = 1;
inline constexpr int64_t kMaxCpuMillicores = 1000000;  // 1000 cores
inline constexpr int64_t kMinMemoryMib = 1;
inline constexpr int64_t kMaxMemoryMib = 10000000;  // ~10 TB
inline constexpr int64_t kMinIdleTimeoutS = 60;
inline constexpr int64_t kMaxIdleTimeoutS = 604800;  // one week

inline constexpr int64_t kDefaultCpuMillicores = 1000;
inline constexpr int64_t kDefaultMemoryMib = 1024;
inline constexpr int64_t kDefaultIdleTimeoutS = 1800;

struct Template {
  std::string id;
  std::string name;  // slug, unique; users launch by name
  std::string display_name;
  std::string description;
  std::string category;
  std::vector<std::string> tags;
  std::string icon;  // a data: URI ("data:image/svg+xml;base64,...") or empty
  std::string app_type = std::string(kAppTypeDesktop);
  std::vector<std::string> command;  // argv on the local platform
  std::string image;                 // container image on docker and kubernetes
  std::string protocol = std::string(kProtocolVnc);
  int64_t http_port = 0;  // required (1-65535) when protocol is http
  std::string http_path;  // e.g. "/websockify"
  int64_t cpu_millicores = kDefaultCpuMillicores;
  int64_t memory_mib = kDefaultMemoryMib;
  std::map<std::string, std::string> env;
  int64_t idle_timeout_s = kDefaultIdleTimeoutS;
  bool persistent_home = true;
  bool builtin = false;  // shipped with the binary; its name is immutable
  bool enabled = true;   // disabled templates are invisible to non-admins
  std::string created_at;
  std::string updated_at;
};

struct TemplateFilter {
  std::optional<std::string> category;  // exact, case-insensitive
  std::optional<std::string> tag;       // exact, case-insensitive
  std::optional<std::string> search;    // substring of name, display name or description
  std::optional<std::string> app_type;
  std::optional<bool> enabled;  // the service forces true for non-admins
};

// The fields of a create or update body. Absent fields are nullopt: an update changes only
// what is present; a create starts from the defaults of Template.
struct TemplateInput {
  std::optional<std::string> name;
  std::optional<std::string> display_name;
  std::optional<std::string> description;
  std::optional<std::string> category;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> icon;
  std::optional<std::string> app_type;
  std::optional<std::vector<std::string>> command;
  std::optional<std::string> image;
  std::optional<std::string> protocol;
  std::optional<int64_t> http_port;
  std::optional<std::string> http_path;
  std::optional<int64_t> cpu_millicores;
  std::optional<int64_t> memory_mib;
  std::optional<std::map<std::string, std::string>> env;
  std::optional<int64_t> idle_timeout_s;
  std::optional<bool> persistent_home;
  std::optional<bool> enabled;
};

}  // namespace sp::templates
