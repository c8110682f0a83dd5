// Sessions on the wire.
#pragma once

#include <nlohmann/json.hpp>

#include "areas/sessions/session.hpp"
#include "common/error.hpp"

namespace sp::sessions {

nlohmann::json ToJson(const Session& s);
nlohmann::json ToJson(const Activity& a);
nlohmann::json ToJson(const ConnectInfo& c, std::string_view host);
Result<CreateSessionRequest> ParseCreate(std::string_view body);
Result<UpdateSessionRequest> ParseUpdate(std::string_view body);

}  // namespace sp::sessions
