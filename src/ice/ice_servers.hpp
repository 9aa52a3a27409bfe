#pragma once
// The STUN and TURN servers handed to clients (RTCIceServer objects). With a TURN shared secret (coturn's
// `use-auth-secret` / `static-auth-secret`), each user gets short-lived TURN REST API credentials:
// username "<expiry epoch s>:<userId>", credential base64(HMAC-SHA1(secret, username)).
// Thread safety: immutable after construction; servers_for() is const.
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

struct IceConfig {
  std::vector<std::string> stun_urls;  // STUN_SERVERS
  std::vector<std::string> turn_urls;  // TURN_SERVER_URL (comma list allowed)
  std::string turn_username;           // TURN_USERNAME (static credentials)
  std::string turn_password;           // TURN_PASSWORD
  std::string turn_secret;             // TURN_SECRET: mint REST credentials instead of static ones
  std::chrono::seconds turn_credential_ttl{std::chrono::hours(6)};  // TURN_CREDENTIAL_TTL_SECONDS
};

// The public STUN servers of the design.
std::vector<std::string> default_stun_urls();
// Checks the url scheme ("stun:", "turn:", "turns:"); returns an error message or nullopt.
std::optional<std::string> validate(const IceConfig& cfg);

class IceServers {
 public:
  explicit IceServers(IceConfig cfg);
  std::vector<IceServer> servers_for(std::string_view user_id, TimePoint now) const;

 private:
  IceConfig cfg_;
};

// The TURN REST API credential for `username` (exposed for tests and the coturn integration test).
std::string turn_rest_credential(std::string_view secret, std::string_view username);

}  // namespace hearth::ice
