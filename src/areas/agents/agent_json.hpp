// Agents on the wire: models.Agent and models.AgentCommand keys. Key hashes never appear.
#pragma once

#include <nlohmann/json.hpp>

#include "areas/agents/agent.hpp"
#include "common/error.hpp"
#include "http/json_reader.hpp"

namespace sp::agents {

nlohmann::json ToJson(const Agent& a, bool connected);
nlohmann::json ToJson(const AgentCommand& c);
Result<RegisterRequest> ParseRegister(std::string_view body);

inline const std::vector<std::string_view> kPlatforms = {"local", "docker", "kubernetes", "vm",
                                                         "cloud"};

}  // namespace sp::agents
