// The built-in templates: YAML files in the repository's templates/ folder and their icons in
// templates/icons/, compiled into the binary (src/CMakeLists.txt, sp::templates_embedded) and
// parsed at every start by TemplateService::SeedBuiltins. The YAML keys are the API's JSON
// keys (name, displayName, ..., resources {cpu, memory}, env, idleTimeout, persistentHome),
// except `icon`, which names a file in icons/ and becomes a base64 data: URI.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "areas/templates/template.hpp"
#include "common/embedded_file.hpp"
#include "common/error.hpp"

namespace sp::templates {

// Every *.yaml of the embedded copy, parsed and validated; kInternal names the file and field.
Result<std::vector<Template>> LoadBuiltinTemplates();
// The same over given files (*.yaml templates, and icons referenced by name).
Result<std::vector<Template>> LoadTemplates(std::span<const EmbeddedFile> files);
// One YAML template; `icons` is searched for the file its `icon` names.
Result<Template> ParseTemplateYaml(std::string_view file_name, std::string_view yaml,
                                   std::span<const EmbeddedFile> icons);

// Standard base64 with padding (RFC 4648 section 4), as data: URIs need.
std::string Base64Encode(std::string_view bytes);

}  // namespace sp::templates
