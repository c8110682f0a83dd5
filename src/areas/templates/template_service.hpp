// Templates: the rules. Who sees which template (non-admins only enabled ones), validation
// of every field and of the rules between fields (for the API and the built-in YAML files
// alike), name uniqueness, what may be deleted, seeding of the built-ins, and an audit entry
// for every change.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "areas/templates/template.hpp"
#include "areas/templates/template_repository.hpp"
#include "auth/principal.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "db/database.hpp"
#include "http/pagination.hpp"

namespace sp::templates {

struct TemplateList {
  std::vector<Template> templates;
  int64_t total = 0;
};

class TemplateService {
 public:
  TemplateService(db::Database& db, TemplateRepository& repo, const Clock& clock)
      : db_(db), repo_(repo), clock_(clock) {}

  // Non-admins see enabled templates only, whatever filter.enabled says.
  Result<TemplateList> List(const auth::Principal& who, TemplateFilter filter,
                            const http::Page& page);
  // kNotFound when missing, and for non-admins when disabled.
  Result<Template> Get(const auth::Principal& who, const std::string& id_or_name);
  Result<Template> Create(const auth::Principal& who, TemplateInput input);
  Result<Template> Update(const auth::Principal& who, const std::string& id_or_name,
                          TemplateInput input);
  // Refuses (kFailedPrecondition) built-ins and templates that sessions reference: the
  // sessions table keeps its template_id, so a template with history is disabled instead.
  Status Delete(const auth::Principal& who, const std::string& id_or_name);

  // No authorisation: for the sessions area, inside its own transaction. kNotFound when the
  // template is missing or disabled.
  Result<Template> Find(db::Conn& c, const std::string& id_or_name);
  // The same, disabled templates included: for sessions that already exist (wake, restart),
  // which a template disabled since their launch must not strand.
  Result<Template> FindAny(db::Conn& c, const std::string& id_or_name);

  // Inserts every built-in template (template_catalog) whose name is missing. Never
  // overwrites admin edits; called at every start; safe with several replicas starting.
  Status SeedBuiltins();
  // The same with a given list (tests).
  Status SeedBuiltins(const std::vector<Template>& builtins);

 private:
  db::Database& db_;
  TemplateRepository& repo_;
  const Clock& clock_;
};

// 2-63 of [a-z0-9-], starting and ending with a letter or digit.
bool IsValidTemplateName(std::string_view s);
// [A-Za-z_][A-Za-z0-9_]*
bool IsValidEnvKey(std::string_view s);
// Checks every field and the rules between them. The message names the field as the API and
// the YAML files spell it: "field 'httpPort': is required when protocol is http".
Status ValidateTemplate(const Template& t);

}  // namespace sp::templates
