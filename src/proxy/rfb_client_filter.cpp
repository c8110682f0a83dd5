#include "proxy/rfb_client_filter.hpp"

#include <algorithm>

namespace sp::proxy {
namespace {

// Client-to-server message types (RFC 6143 section 7.5 and the registered extensions).
constexpr uint8_t kSetPixelFormat = 0;
constexpr uint8_t kSetEncodings = 2;
constexpr uint8_t kFramebufferUpdateRequest = 3;
constexpr uint8_t kKeyEvent = 4;
constexpr uint8_t kPointerEvent = 5;
constexpr uint8_t kClientCutText = 6;
constexpr uint8_t kEnableContinuousUpdates = 150;
constexpr uint8_t kClientFence = 248;
constexpr uint8_t kXvp = 250;
constexpr uint8_t kSetDesktopSize = 251;
constexpr uint8_t kQemuClientMessage = 255;
constexpr uint8_t kQemuExtendedKeyEvent = 0;

constexpr uint8_t kSecurityNone = 1;
constexpr size_t kVersionLength = 12;

uint8_t U8(std::string_view s, size_t at) { return static_cast<uint8_t>(s[at]); }

uint16_t U16(std::string_view s, size_t at) {
  return static_cast<uint16_t>((U8(s, at) << 8) | U8(s, at + 1));
}

uint32_t U32(std::string_view s, size_t at) {
  return (static_cast<uint32_t>(U8(s, at)) << 24) | (static_cast<uint32_t>(U8(s, at + 1)) << 16) |
         (static_cast<uint32_t>(U8(s, at + 2)) << 8) | static_cast<uint32_t>(U8(s, at + 3));
}

}  // namespace

bool RfbClientFilter::IsRfbVersion(std::string_view first12) {
  return first12 == "RFB 003.003\n" || first12 == "RFB 003.007\n" || first12 == "RFB 003.008\n";
}

bool RfbClientFilter::Feed(std::string_view in, std::string& out) {
  for (;;) {
    if (phase_ == Phase::kFailed) return false;
    if (body_left_ > 0) {
      if (in.empty()) return true;
      const size_t take = static_cast<size_t>(std::min<uint64_t>(body_left_, in.size()));
      if (forward_body_) out.append(in.substr(0, take));
      in.remove_prefix(take);
      body_left_ -= take;
      continue;
    }
    const size_t need = Needed();
    if (need == 0) {
      phase_ = Phase::kFailed;
      continue;
    }
    if (pending_.size() < need) {
      if (in.empty()) return true;
      const size_t take = std::min(need - pending_.size(), in.size());
      pending_.append(in.substr(0, take));
      in.remove_prefix(take);
      continue;  // the header may turn out longer once more of it is known (ClientFence)
    }
    if (!Complete(out)) phase_ = Phase::kFailed;
  }
}

size_t RfbClientFilter::Needed() const {
  switch (phase_) {
    case Phase::kVersion:
      return kVersionLength;
    case Phase::kSecurity:
    case Phase::kClientInit:
      return 1;
    case Phase::kFailed:
      return 0;
    case Phase::kMessages:
      break;
  }
  if (pending_.empty()) return 1;
  switch (U8(pending_, 0)) {
    case kSetPixelFormat:
      return 20;
    case kSetEncodings:
      return 4;  // then 4 * number-of-encodings, streamed
    case kFramebufferUpdateRequest:
      return 10;
    case kKeyEvent:
      return 8;
    case kPointerEvent:
      return 6;
    case kClientCutText:
      return 8;  // then the text, streamed
    case kEnableContinuousUpdates:
      return 10;
    case kClientFence: {
      if (pending_.size() < 9) return 9;
      const size_t length = U8(pending_, 8);
      return length > kMaxFencePayload ? 0 : 9 + length;
    }
    case kXvp:
      return 4;
    case kSetDesktopSize:
      return 8;  // then 16 * number-of-screens, streamed
    case kQemuClientMessage:
      // Only the extended key event is understood; the server (Xvnc) would close the
      // connection on any other QEMU submessage anyway.
      if (pending_.size() < 2) return 2;
      return U8(pending_, 1) == kQemuExtendedKeyEvent ? 12 : 0;
    default:
      return 0;
  }
}

bool RfbClientFilter::Complete(std::string& out) {
  switch (phase_) {
    case Phase::kVersion:
      if (!IsRfbVersion(pending_)) return false;
      out += pending_;
      // 3.3: the server decides the security type and the client says nothing more.
      phase_ = pending_ == "RFB 003.003\n" ? Phase::kClientInit : Phase::kSecurity;
      break;
    case Phase::kSecurity:
      if (U8(pending_, 0) != kSecurityNone) return false;
      out += pending_;
      phase_ = Phase::kClientInit;
      break;
    case Phase::kClientInit:
      out.push_back('\x01');  // shared: never let one viewer disconnect the others
      phase_ = Phase::kMessages;
      break;
    case Phase::kMessages:
      if (!CompleteMessage(out)) return false;
      break;
    case Phase::kFailed:
      return false;
  }
  pending_.clear();
  return true;
}

bool RfbClientFilter::CompleteMessage(std::string& out) {
  bool forward = true;
  uint64_t body = 0;
  switch (U8(pending_, 0)) {
    case kSetEncodings:
      body = 4ULL * U16(pending_, 2);
      break;
    case kKeyEvent:
    case kPointerEvent:
    case kXvp:
    case kQemuClientMessage:
      forward = !view_only_;
      break;
    case kClientCutText: {
      // With the Extended Clipboard pseudo-encoding the length is signed and a negative value
      // announces an extended message of |length| bytes.
      const auto length = static_cast<int32_t>(U32(pending_, 4));
      const uint64_t size = length < 0 ? static_cast<uint64_t>(-static_cast<int64_t>(length))
                                       : static_cast<uint64_t>(length);
      if (size > kMaxCutTextBytes) return false;
      body = size;
      forward = !view_only_;
      break;
    }
    case kSetDesktopSize:
      body = 16ULL * U8(pending_, 6);
      forward = !view_only_;
      break;
    default:
      break;  // fixed-size messages every viewer may send
  }
  if (forward) out += pending_;
  body_left_ = body;
  forward_body_ = forward;
  return true;
}

}  // namespace sp::proxy
