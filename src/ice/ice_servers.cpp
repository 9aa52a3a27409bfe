#include "ice/ice_servers.hpp"

#include <array>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/base64.hpp"

namespace hearth::ice {

std::vector<std::string> default_stun_urls() {
  return {"stun:stun.l.google.com:19302", "stun:stun.services.mozilla.com:3478", "stun:stun.stunprotocol.org:3478"};
}

std::optional<std::string> validate(const IceConfig& cfg) {
  for (const auto& u : cfg.stun_urls)
    if (!u.starts_with("stun:") && !u.starts_with("stuns:"))
      return fmt::format("STUN_SERVERS: '{}' must start with stun: or stuns:", u);
  for (const auto& u : cfg.turn_urls)
    if (!u.starts_with("turn:") && !u.starts_with("turns:"))
      return fmt::format("TURN_SERVER_URL: '{}' must start with turn: or turns:", u);
  if (!cfg.turn_urls.empty() && cfg.turn_secret.empty() && (cfg.turn_username.empty() || cfg.turn_password.empty()))
    return std::string("TURN_SERVER_URL needs TURN_USERNAME and TURN_PASSWORD, or TURN_SECRET");
  if (cfg.turn_credential_ttl.count() <= 0) return std::string("TURN_CREDENTIAL_TTL_SECONDS must be positive");
  // Without a TURN server a relay-only client gathers no candidate at all: every call would fail.
  if (cfg.transport_policy == TransportPolicy::relay && cfg.turn_urls.empty())
    return std::string("ICE_TRANSPORT_POLICY=relay needs TURN_SERVER_URL");
  return std::nullopt;
}

std::string_view to_string(TransportPolicy p) { return p == TransportPolicy::relay ? "relay" : "all"; }

std::optional<TransportPolicy> parse_transport_policy(std::string_view text) {
  if (text == "all") return TransportPolicy::all;
  if (text == "relay") return TransportPolicy::relay;
  return std::nullopt;
}

IceServers::IceServers(IceConfig cfg) : cfg_(std::move(cfg)) {}

std::vector<IceServer> IceServers::servers_for(std::string_view user_id, TimePoint now) const {
  return client_config(user_id, now).servers;
}

ClientIceConfig IceServers::client_config(std::string_view user_id, TimePoint now) const {
  ClientIceConfig out;
  out.transport_policy = cfg_.transport_policy;
  if (!cfg_.stun_urls.empty()) out.servers.push_back(IceServer{cfg_.stun_urls, std::nullopt, std::nullopt});
  if (cfg_.turn_urls.empty()) return out;
  if (cfg_.turn_secret.empty()) {
    out.servers.push_back(IceServer{cfg_.turn_urls, cfg_.turn_username, cfg_.turn_password});
    return out;
  }
  const auto expiry = std::chrono::floor<std::chrono::seconds>(now) + cfg_.turn_credential_ttl;
  std::string username = fmt::format("{}:{}", expiry.time_since_epoch().count(), user_id);
  std::string credential = turn_rest_credential(cfg_.turn_secret, username);
  out.servers.push_back(IceServer{cfg_.turn_urls, std::move(username), std::move(credential)});
  out.expires_at = std::chrono::time_point_cast<Millis>(expiry);
  return out;
}

std::string turn_rest_credential(std::string_view secret, std::string_view username) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(username.data()), username.size(), mac.data(), &mac_len);
  std::string out;
  append_base64(out, std::string_view(reinterpret_cast<const char*>(mac.data()), mac_len));
  return out;
}

}  // namespace hearth::ice
