#pragma once
// The STUN and TURN servers handed to clients (RTCIceServer objects). With a TURN shared secret (coturn's
// `use-auth-secret` / `static-auth-secret`), each user gets short-lived TURN REST API credentials:
// username "<expiry epoch s>:<userId>", credential base64(HMAC-SHA1(secret, username)); coturn recomputes the
// credential from the username with each secret it knows, so rotating the secret is: coturn learns the new one,
// hearth-call switches to it, coturn forgets the old one (docs/deployment.md).
// Clients also get the ICE transport policy ("all", or "relay" to force TURN) and when the credentials expire,
// so that long calls fetch fresh ones before they need a new allocation (an ICE restart, a new peer).
// Thread safety: immutable after construction; servers_for() and client_config() are const.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace hearth::ice {

struct IceServer {
  std::vector<std::string> urls;
  std::optional<std::string> username;
  std::optional<std::string> credential;
  friend bool operator==(const IceServer&, const IceServer&) = default;
};

// RTCConfiguration.iceTransportPolicy: "relay" makes browsers use TURN relays only (ICE_TRANSPORT_POLICY).
enum class TransportPolicy { all, relay };
std::string_view to_string(TransportPolicy p);
std::optional<TransportPolicy> parse_transport_policy(std::string_view text);

struct IceConfig {
  std::vector<std::string> stun_urls;  // STUN_SERVERS
  std::vector<std::string> turn_urls;  // TURN_SERVER_URL (comma list allowed)
  std::string turn_username;           // TURN_USERNAME (static credentials)
  std::string turn_password;           // TURN_PASSWORD
  std::string turn_secret;             // TURN_SECRET: mint REST credentials instead of static ones
  std::chrono::seconds turn_credential_ttl{std::chrono::hours(6)};  // TURN_CREDENTIAL_TTL_SECONDS
  TransportPolicy transport_policy = TransportPolicy::all;          // ICE_TRANSPORT_POLICY
};

// The public STUN servers of the design.
std::vector<std::string> default_stun_urls();
// Checks the url scheme ("stun:", "turn:", "turns:"); returns an error message or nullopt.
std::optional<std::string> validate(const IceConfig& cfg);

// What a client needs to configure its RTCPeerConnections.
struct ClientIceConfig {
  std::vector<IceServer> servers;
  TransportPolicy transport_policy = TransportPolicy::all;
  std::optional<TimePoint> expires_at;  // when minted TURN credentials expire (whole seconds); none: they do not
};

class IceServers {
 public:
  explicit IceServers(IceConfig cfg);
  std::vector<IceServer> servers_for(std::string_view user_id, TimePoint now) const;
  ClientIceConfig client_config(std::string_view user_id, TimePoint now) const;

 private:
  IceConfig cfg_;
};

// The TURN REST API credential for `username` (exposed for tests and the coturn integration test).
std::string turn_rest_credential(std::string_view secret, std::string_view username);

}  // namespace hearth::ice
