// SQL for API keys.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "areas/apikeys/api_key.hpp"
#include "db/database.hpp"

namespace sp::apikeys {

class ApiKeyRepository {
 public:
  std::optional<ApiKey> FindById(db::Conn& c, const std::string& id);
  std::optional<ApiKey> FindByHash(db::Conn& c, const std::string& hash);
  std::vector<ApiKey> ListByUser(db::Conn& c, const std::string& user_id);
  std::vector<ApiKey> ListAll(db::Conn& c, int64_t limit, int64_t offset, int64_t& total);
  void Insert(db::Conn& c, const ApiKey& k);
  void Update(db::Conn& c, const ApiKey& k);  // metadata, hash, prefix, active
  void Delete(db::Conn& c, const std::string& id);
  void RecordUse(db::Conn& c, const std::string& id, const std::string& now);
};

}  // namespace sp::apikeys
