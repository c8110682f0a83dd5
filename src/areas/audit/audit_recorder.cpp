#include "areas/audit/audit_recorder.hpp"

#include "common/crypto.hpp"
#include "common/time_format.hpp"

namespace sp::audit {

void Record(db::Conn& conn, const Clock& clock, const auth::Principal* actor,
            const AuditEntry& entry, std::string_view client_ip) {
  const std::string id = NewId();
  const std::optional<std::string> user_id =
      actor ? std::optional<std::string>(actor->user_id) : std::nullopt;
  const std::string username = actor ? actor->username : "system";
  const std::string action(entry.action);
  const std::string type(entry.resource_type);
  const std::string resource_id(entry.resource_id);
  const std::string changes = entry.changes.dump();
  const std::string ip = actor && client_ip.empty() ? actor->client_ip : std::string(client_ip);
  const std::string now = FormatTime(clock.Now());
  soci::indicator user_ind = db::Ind(user_id);
  const std::string user_value = user_id.value_or("");
  conn.sql() << "INSERT INTO audit_log (id, user_id, username, action, resource_type, "
                "resource_id, changes, ip_address, created_at) VALUES (:id, :uid, :un, :a, :t, "
                ":rid, :c, :ip, :now)",
      soci::use(id), soci::use(user_value, user_ind), soci::use(username), soci::use(action),
      soci::use(type), soci::use(resource_id), soci::use(changes), soci::use(ip), soci::use(now);
}

}  // namespace sp::audit
