// Randomness, hashing and comparisons that must not leak timing, all from libsodium.
// Call InitCrypto() once at start (it is idempotent).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sp {

void InitCrypto();
std::string RandomBytes(size_t n);
std::string HexEncode(std::string_view bytes);
std::string Base64UrlEncode(std::string_view bytes);  // no padding
// Standard alphabet with padding; whitespace (line breaks) is skipped. nullopt if invalid.
std::optional<std::string> Base64Decode(std::string_view text);
std::string Sha256Hex(std::string_view data);
bool ConstantTimeEquals(std::string_view a, std::string_view b);
std::string NewId();  // UUIDv4 text, the id of every row the application creates

}  // namespace sp
