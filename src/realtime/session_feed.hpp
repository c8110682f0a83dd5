// SessionFeed: publishes every committed session change on the event hub's sessions
// channel, with the session as GET /api/v1/sessions/:id shows it.
#pragma once

#include "areas/sessions/session_service.hpp"
#include "common/clock.hpp"
#include "realtime/event_hub.hpp"

namespace sp::realtime {

class SessionFeed final : public sessions::SessionWatcher {
 public:
  SessionFeed(EventHub& hub, const Clock& clock) : hub_(hub), clock_(clock) {}
  void OnSessionChanged(std::string_view event, const sessions::Session& session) override;

 private:
  EventHub& hub_;
  const Clock& clock_;
};

}  // namespace sp::realtime
