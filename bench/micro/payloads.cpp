#include "micro/payloads.hpp"

#include "hearth_bench/ws_codec.hpp"

namespace hearth::bench::micro {

std::string candidate_packet() {
  return R"(2["webrtc_ice_candidate",{"sessionId":"call_1795600429338_zvb4n2o85","targetSocketId":"q7RZt1m0VbN2cK8sLw4d",)"
         R"("candidate":{"candidate":"candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 192.168.1.7 )"
         R"(rport 61665 generation 0 ufrag EsAw network-cost 999","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"EsAw"}}])";
}

std::string offer_packet() {
  std::string sdp =
      "v=0\\r\\no=- 4611731400430051336 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\na=group:BUNDLE 0 1\\r\\n";
  while (sdp.size() < 2200)
    sdp +=
        "a=rtcp-fb:96 nack pli\\r\\na=rtpmap:97 rtx/90000\\r\\na=fmtp:97 apt=96\\r\\na=ssrc:2541098696 "
        "cname:4TOk42mSjXCkVIa6\\r\\n";
  return R"(2["webrtc_offer",{"sessionId":"call_1795600429338_zvb4n2o85","targetSocketId":"q7RZt1m0VbN2cK8sLw4d",)"
         R"("offer":{"type":"offer","sdp":")" +
         sdp + "\"}}]";
}

std::string client_frame(const std::string& payload) {
  std::string out;
  ws::append_client_frame(out, ws::Opcode::text, payload, 0x12345678u);
  return out;
}

}  // namespace hearth::bench::micro
