// AgentAlertFeed: publishes agents' health changes on the event hub's alerts channel, for
// operators and admins (the events name no user): alert.triggered when an agent turns
// degraded or offline, alert.resolved when it is back.
#pragma once

#include "areas/agents/agent_service.hpp"
#include "common/clock.hpp"
#include "realtime/event_hub.hpp"

namespace sp::realtime {

class AgentAlertFeed final : public agents::AgentWatcher {
 public:
  AgentAlertFeed(EventHub& hub, const Clock& clock) : hub_(hub), clock_(clock) {}
  void OnAgentStatusChanged(const std::string& agent_id, const std::string& from,
                            const std::string& to) override;

 private:
  EventHub& hub_;
  const Clock& clock_;
};

}  // namespace sp::realtime
