// Groups on the wire: the JSON keys of models.Group, GroupQuota, the member list and their
// requests live here and nowhere else. Member entries never carry a password hash.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "areas/groups/group.hpp"
#include "common/error.hpp"
#include "http/json_reader.hpp"

namespace sp::groups {

nlohmann::json ToJson(const Group& g);
nlohmann::json ToJson(const GroupMember& m);
nlohmann::json ToJson(const GroupQuota& q);

Result<CreateGroupRequest> ParseCreateGroup(std::string_view body);
Result<UpdateGroupRequest> ParseUpdateGroup(std::string_view body);
Result<AddMemberRequest> ParseAddMember(std::string_view body);
// {"role": "member" | "admin" | "owner"}
Result<std::string> ParseMemberRole(std::string_view body);

}  // namespace sp::groups
