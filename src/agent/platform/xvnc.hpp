// Options every platform starts Xvnc with.
#pragma once

namespace sp::agent {

// No VNC authentication: Xvnc is reached only through the agent's tunnel, and the control
// plane authorises viewers. Shared: collaborators view one desktop together. The blacklist
// is raised out of reach because TigerVNC counts every connection that closes before the
// handshake against its peer, and readiness probes (the agent's, the kubelet's) do exactly
// that: after five, every client from that address is refused with an RFB 3.3 greeting.
inline constexpr const char* kXvncOptions =
    "-SecurityTypes None -AlwaysShared -BlacklistThreshold=1000000 -depth 24";

}  // namespace sp::agent
