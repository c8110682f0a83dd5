// SQL for templates. Decides nothing: the service authorises and validates. Tags, command
// and env are stored as JSON text, the same on SQLite and PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "areas/templates/template.hpp"
#include "db/database.hpp"
#include "http/pagination.hpp"

namespace sp::templates {

class TemplateRepository {
 public:
  std::optional<Template> FindById(db::Conn& c, const std::string& id);
  std::optional<Template> FindByName(db::Conn& c, const std::string& name);
  // By id first, then by name (a name could look like another template's id).
  std::optional<Template> FindByIdOrName(db::Conn& c, const std::string& id_or_name);
  std::vector<Template> List(db::Conn& c, const TemplateFilter& filter, const http::Page& page,
                             int64_t& total);
  void Insert(db::Conn& c, const Template& t);
  void Update(db::Conn& c, const Template& t);  // every column but id, builtin and created_at
  void Delete(db::Conn& c, const std::string& id);

  // Sessions referencing the template: those not yet stopped or failed, and all of them.
  int64_t CountActiveSessions(db::Conn& c, const std::string& template_id);
  int64_t CountSessions(db::Conn& c, const std::string& template_id);
};

}  // namespace sp::templates
