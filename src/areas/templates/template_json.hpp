// Templates on the wire: the JSON keys of Template and of its create/update bodies live here
// and nowhere else. Resources are Kubernetes-style quantities: {"cpu": "1000m", "memory": "1Gi"}.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "areas/templates/template.hpp"
#include "common/error.hpp"

namespace sp::templates {

nlohmann::json ToJson(const Template& t);

// Field shapes only; the service checks the rules between fields on the merged template.
Result<TemplateInput> ParseCreateTemplate(std::string_view body);  // `name` required
Result<TemplateInput> ParseUpdateTemplate(std::string_view body);  // any subset

}  // namespace sp::templates
