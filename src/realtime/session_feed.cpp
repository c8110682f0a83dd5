#include "realtime/session_feed.hpp"

#include "areas/sessions/session_json.hpp"
#include "common/time_format.hpp"

namespace sp::realtime {

void SessionFeed::OnSessionChanged(std::string_view event, const sessions::Session& session) {
  HubEvent e;
  e.channel = std::string(channel::kSessions);
  e.event = std::string(event);
  e.session_id = session.id;
  e.user_id = session.user_id;
  e.data = sessions::ToJson(session);
  e.timestamp = FormatTime(clock_.Now());
  hub_.Publish(e);
}

}  // namespace sp::realtime
