#include "realtime/hub_event.hpp"

namespace sp::realtime {

std::string HubEvent::Serialize() const {
  nlohmann::json j = {
      {"type", "update"}, {"event", event}, {"data", data}, {"timestamp", timestamp}};
  if (!session_id.empty()) j["sessionId"] = session_id;
  if (!user_id.empty()) j["userId"] = user_id;
  if (!team_id.empty()) j["teamId"] = team_id;
  return j.dump();
}

}  // namespace sp::realtime
