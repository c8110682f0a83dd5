#include "realtime/agent_alert_feed.hpp"

#include "common/time_format.hpp"

namespace sp::realtime {
namespace {

bool Unhealthy(const std::string& status) { return status == "degraded" || status == "offline"; }

}  // namespace

void AgentAlertFeed::OnAgentStatusChanged(const std::string& agent_id, const std::string& from,
                                          const std::string& to) {
  HubEvent e;
  e.channel = std::string(channel::kAlerts);
  e.timestamp = FormatTime(clock_.Now());
  e.data = {{"kind", "agent"}, {"agentId", agent_id}, {"status", to}, {"previousStatus", from}};
  if (Unhealthy(to)) {
    e.event = "alert.triggered";
    e.data["severity"] = to == "offline" ? "critical" : "warning";
    e.data["message"] = to == "offline"
                            ? "agent " + agent_id + " is offline: its sessions are unreachable"
                            : "agent " + agent_id + " missed its heartbeats";
  } else if (Unhealthy(from)) {
    e.event = "alert.resolved";
    e.data["severity"] = "info";
    e.data["message"] = "agent " + agent_id + " is " + to + " again";
  } else {
    return;  // online <-> draining is an operator's choice, not an alert
  }
  hub_.Publish(e);
}

}  // namespace sp::realtime
