// RfbClientFilter parses the client-to-server direction of an RFB 3.3/3.7/3.8 stream (RFC 6143)
// for the VNC proxy that sits between a browser viewer (noVNC) and a session's Xvnc. It is pure
// (no I/O) and incremental: bytes may arrive split at any boundary. It
//   - forces the ClientInit shared flag to 1, so that one viewer never disconnects another;
//   - only lets security type None (1) through: the control plane supports nothing else end to
//     end, which also fixes how many client bytes belong to the handshake;
//   - validates every client message and rejects unknown types, so a viewer cannot smuggle bytes
//     that the server would read differently from us;
//   - in view-only mode drops the input messages (keys, pointer, clipboard, QEMU key events,
//     SetDesktopSize, xvp) and forwards everything else (update requests, encodings, fences...).
// Large payloads (clipboard text, encoding lists, screen lists) are streamed through rather than
// buffered, so the internal buffer never holds more than one message header (at most 73 bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sp::proxy {

class RfbClientFilter {
 public:
  // Largest ClientCutText payload accepted; a longer one is a protocol violation.
  static constexpr uint32_t kMaxCutTextBytes = 10 * 1024 * 1024;
  // Largest ClientFence payload (RFB fence extension).
  static constexpr size_t kMaxFencePayload = 64;

  explicit RfbClientFilter(bool view_only) : view_only_(view_only) {}

  // Takes effect from the next message whose header completes; a message already being
  // streamed keeps the decision made for it, so the stream never desynchronises.
  void SetViewOnly(bool view_only) { view_only_ = view_only; }

  // Feeds bytes the client sent; appends to `out` what may be forwarded to the server. Returns
  // false on a protocol violation (the caller closes the connection); once it has returned false
  // it keeps returning false. Bytes appended to `out` before the violation in the same call are
  // valid complete messages (or handshake fields) and may still be forwarded.
  bool Feed(std::string_view in, std::string& out);

  // True when `first12` is a ProtocolVersion message this filter supports: exactly 12 bytes,
  // "RFB 003.003\n", "RFB 003.007\n" or "RFB 003.008\n".
  static bool IsRfbVersion(std::string_view first12);

  // True once ProtocolVersion, security selection and ClientInit have passed.
  bool handshake_done() const { return phase_ == Phase::kMessages; }

 private:
  enum class Phase { kVersion, kSecurity, kClientInit, kMessages, kFailed };

  // Bytes the current unit (handshake field or message header) needs given what is buffered
  // so far; 0 when the buffered prefix is already a violation.
  size_t Needed() const;
  // Handles the complete unit in pending_ and clears it; false on a violation.
  bool Complete(std::string& out);
  bool CompleteMessage(std::string& out);

  bool view_only_;
  Phase phase_ = Phase::kVersion;
  std::string pending_;        // the incomplete unit: never more than the largest header
  uint64_t body_left_ = 0;     // payload bytes of the current message still to stream
  bool forward_body_ = false;  // whether those bytes go to `out` or are dropped
};

}  // namespace sp::proxy
