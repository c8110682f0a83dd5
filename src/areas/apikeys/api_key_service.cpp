#include "areas/apikeys/api_key_service.hpp"

#include "areas/audit/audit_recorder.hpp"
#include "common/crypto.hpp"
#include "common/time_format.hpp"

namespace sp::apikeys {
namespace {

Error NotFound() { return Error{Errc::kNotFound, "API key not found", {}, 0}; }

nlohmann::json Summary(const ApiKey& k) {
  return {{"name", k.name},
          {"keyPrefix", k.key_prefix},
          {"scopes", k.scopes},
          {"rateLimit", k.rate_limit},
          {"expiresAt", k.expires_at.value_or("")}};
}

}  // namespace

std::string ApiKeyService::GenerateSecret() {
  return std::string(kKeyPrefix) + Base64UrlEncode(RandomBytes(kKeyRandomBytes));
}

Result<IssuedKey> ApiKeyService::Create(const auth::Principal& who, CreateApiKeyRequest req) {
  // A key may not carry more rights than the credential that makes it.
  if (who.kind == auth::CredentialKind::kApiKey && !who.scopes.empty()) {
    for (const auto& s : req.scopes) {
      if (std::find(who.scopes.begin(), who.scopes.end(), s) == who.scopes.end() &&
          std::find(who.scopes.begin(), who.scopes.end(), "admin:all") == who.scopes.end()) {
        return Fail(Errc::kPermissionDenied, "scope '" + s + "' exceeds the calling key's scopes");
      }
    }
    if (req.scopes.empty()) req.scopes = who.scopes;
  }
  const TimePoint now = clock_.Now();
  IssuedKey issued;
  ApiKey& k = issued.key;
  if (req.expires_in) {
    auto d = ParseDuration(*req.expires_in);
    if (!d) {
      return Fail(Errc::kInvalidArgument,
                  "field 'expiresIn': must be a duration such as \"30d\", \"12h\" or \"1y\"");
    }
    k.expires_at = FormatTime(now + *d);
  }
  issued.secret = GenerateSecret();
  k.id = NewId();
  k.key_hash = Sha256Hex(issued.secret);
  k.key_prefix = issued.secret.substr(0, kDisplayPrefixLength);
  k.name = std::move(req.name);
  k.description = std::move(req.description);
  k.user_id = who.user_id;
  k.username = who.username;
  k.scopes = std::move(req.scopes);
  k.rate_limit = req.rate_limit;
  k.created_at = FormatTime(now);
  k.created_by = who.username;
  auto saved = db_.Transaction([&](db::Conn& c) -> Status {
    repo_.Insert(c, k);
    audit::Record(c, clock_, &who, {"apikey.create", "api_key", k.id, Summary(k)});
    return Ok();
  });
  if (!saved) return Fail(saved.error());
  return issued;
}

Result<std::vector<ApiKey>> ApiKeyService::ListOwn(const auth::Principal& who) {
  return db_.Read(
      [&](db::Conn& c) -> Result<std::vector<ApiKey>> { return repo_.ListByUser(c, who.user_id); });
}

Result<ApiKeyPage> ApiKeyService::ListAll(const auth::Principal& who, const http::Page& page) {
  if (!who.IsAdmin()) return Fail(Errc::kPermissionDenied, "requires the admin role");
  return db_.Read([&](db::Conn& c) -> Result<ApiKeyPage> {
    ApiKeyPage out;
    out.keys = repo_.ListAll(c, page.page_size, page.Offset(), out.total);
    return out;
  });
}

Result<ApiKey> ApiKeyService::FindOwned(db::Conn& c, const auth::Principal& who,
                                        const std::string& id) {
  auto k = repo_.FindById(c, id);
  // Another user's key is indistinguishable from a missing one, admins included: keys are
  // personal credentials; admins see them through the admin list.
  if (!k || k->user_id != who.user_id) return Fail(NotFound());
  return *k;
}

Result<ApiKey> ApiKeyService::Get(const auth::Principal& who, const std::string& id) {
  return db_.Read([&](db::Conn& c) { return FindOwned(c, who, id); });
}

Result<ApiKey> ApiKeyService::Update(const auth::Principal& who, const std::string& id,
                                     UpdateApiKeyRequest req) {
  return db_.Transaction([&](db::Conn& c) -> Result<ApiKey> {
    auto k = FindOwned(c, who, id);
    if (!k) return k;
    if (req.name) k->name = *req.name;
    if (req.description) k->description = *req.description;
    if (req.scopes) k->scopes = *req.scopes;
    if (req.rate_limit) k->rate_limit = *req.rate_limit;
    repo_.Update(c, *k);
    audit::Record(c, clock_, &who, {"apikey.update", "api_key", id, Summary(*k)});
    return k;
  });
}

Result<IssuedKey> ApiKeyService::Rotate(const auth::Principal& who, const std::string& id) {
  return db_.Transaction([&](db::Conn& c) -> Result<IssuedKey> {
    auto k = FindOwned(c, who, id);
    if (!k) return Fail(k.error());
    if (!k->is_active) return Fail(Errc::kFailedPrecondition, "a revoked key cannot be rotated");
    IssuedKey issued{*k, GenerateSecret()};
    issued.key.key_hash = Sha256Hex(issued.secret);
    issued.key.key_prefix = issued.secret.substr(0, kDisplayPrefixLength);
    repo_.Update(c, issued.key);
    audit::Record(c, clock_, &who, {"apikey.rotate", "api_key", id, Summary(issued.key)});
    return issued;
  });
}

Result<ApiKey> ApiKeyService::Revoke(const auth::Principal& who, const std::string& id) {
  return db_.Transaction([&](db::Conn& c) -> Result<ApiKey> {
    auto k = FindOwned(c, who, id);
    if (!k) return k;
    if (!k->is_active) return k;  // revoking twice is harmless
    k->is_active = false;
    repo_.Update(c, *k);
    audit::Record(c, clock_, &who, {"apikey.revoke", "api_key", id, Summary(*k)});
    return k;
  });
}

Status ApiKeyService::Delete(const auth::Principal& who, const std::string& id) {
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto k = FindOwned(c, who, id);
    if (!k) return Fail(k.error());
    repo_.Delete(c, id);
    audit::Record(c, clock_, &who, {"apikey.delete", "api_key", id, Summary(*k)});
    return Ok();
  });
}

Result<auth::Principal> ApiKeyService::Authenticate(std::string_view presented) {
  if (!presented.starts_with(kKeyPrefix) || presented.size() > 128) {
    return Fail(Errc::kUnauthenticated, "invalid API key");
  }
  // Looking the key up by its hash compares hashes, not secrets, so timing reveals nothing
  // about the key.
  const std::string hash = Sha256Hex(presented);
  return db_.Read([&](db::Conn& c) -> Result<auth::Principal> {
    auto k = repo_.FindByHash(c, hash);
    if (!k) return Fail(Errc::kUnauthenticated, "invalid API key");
    if (!k->is_active) return Fail(Errc::kUnauthenticated, "API key has been revoked");
    const TimePoint now = clock_.Now();
    if (k->expires_at) {
      auto exp = ParseTime(*k->expires_at);
      if (!exp || now >= *exp) return Fail(Errc::kUnauthenticated, "API key has expired");
    }
    std::string role;
    int active = 0;
    soci::indicator role_ind = soci::i_ok;
    c.sql() << "SELECT role, active FROM users WHERE id = :id", soci::use(k->user_id),
        soci::into(role, role_ind), soci::into(active);
    if (!c.sql().got_data() || active == 0) {
      return Fail(Errc::kUnauthenticated, "the API key's owner is deactivated");
    }
    if (k->rate_limit > 0) {
      const double per_minute = static_cast<double>(k->rate_limit);
      if (int wait = limiter_.Acquire("key:" + k->id, per_minute / 60.0, per_minute); wait > 0) {
        Error e{Errc::kResourceExhausted, "the API key's rate limit is exhausted", {}, wait};
        return Fail(std::move(e));
      }
    }
    repo_.RecordUse(c, k->id, FormatTime(now));
    auth::Principal p;
    p.user_id = k->user_id;
    p.username = k->username;
    p.role = role;
    p.kind = auth::CredentialKind::kApiKey;
    p.api_key_id = k->id;
    p.scopes = k->scopes;
    return p;
  });
}

}  // namespace sp::apikeys
