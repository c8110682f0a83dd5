// Records state changes in the audit_log table, inside the caller's transaction, so that a
// change and its audit entry are written together or not at all.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "auth/principal.hpp"
#include "common/clock.hpp"
#include "db/database.hpp"

namespace sp::audit {

struct AuditEntry {
  std::string_view action;         // e.g. "user.create"
  std::string_view resource_type;  // e.g. "user"
  std::string_view resource_id;
  nlohmann::json changes = nlohmann::json::object();  // never secrets
};

// `actor` may be null for system actions (bootstrap, the setup wizard).
void Record(db::Conn& conn, const Clock& clock, const auth::Principal* actor,
            const AuditEntry& entry, std::string_view client_ip = {});

}  // namespace sp::audit
