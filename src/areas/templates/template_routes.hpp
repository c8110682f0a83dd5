// Templates area routes, under /api/v1: the catalog every user launches from, managed by
// admins. `:id` is a template's id or its name.
#pragma once

#include "areas/templates/template_service.hpp"
#include "http/router.hpp"

namespace sp::templates {

void RegisterRoutes(http::Router& router, TemplateService& templates);

}  // namespace sp::templates
