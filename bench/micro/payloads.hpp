#pragma once
// Realistic packets for the microbenchmarks: an ICE candidate and an SDP offer as a browser sends them through
// socket.io-client, and the server's WebSocket frames carrying them.
#include <string>

namespace hearth::bench::micro {

// Socket.IO packets (without the Engine.IO "4").
std::string candidate_packet();  // 2["webrtc_ice_candidate",{sessionId,targetSocketId,candidate:{...}}], ~300 B
std::string offer_packet();      // 2["webrtc_offer",{sessionId,targetSocketId,offer:{type,sdp}}], ~2.3 KiB
// A masked client WebSocket text frame holding `payload`.
std::string client_frame(const std::string& payload);

}  // namespace hearth::bench::micro
