#include "ice/ice_servers.hpp"

#include <string>

#include <gtest/gtest.h>

// STUN/TURN servers per user, TURN REST API credentials (coturn use-auth-secret) and the config rules.
// Expected credentials were computed independently with OpenSSL's command line, e.g.
//   printf '%s' '1700021600:alice' | openssl dgst -sha1 -hmac 'coturn-shared-secret' -binary | base64
namespace hearth::ice {
namespace {
using namespace std::chrono_literals;

const TimePoint t0 = from_epoch_ms(1'700'000'000'000);  // 1700000000 s
const std::string kSecret = "coturn-shared-secret";
const std::vector<std::string> kStun{"stun:stun.example.org:3478"};
const std::vector<std::string> kTurn{"turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"};

IceConfig turn_config() {
  IceConfig cfg;
  cfg.stun_urls = kStun;
  cfg.turn_urls = kTurn;
  return cfg;
}
IceConfig static_turn() {
  IceConfig cfg = turn_config();
  cfg.turn_username = "hearth";
  cfg.turn_password = "p4ss";
  return cfg;
}
IceConfig rest_turn(std::chrono::seconds ttl = 6h) {
  IceConfig cfg = turn_config();
  cfg.turn_secret = kSecret;
  cfg.turn_credential_ttl = ttl;
  return cfg;
}

// --- turn_rest_credential ---------------------------------------------------------------------------------

TEST(TurnRestCredential, IsBase64OfHmacSha1) {
  // The HMAC-SHA1 example of RFC 2104's Wikipedia page: de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9.
  EXPECT_EQ(turn_rest_credential("key", "The quick brown fox jumps over the lazy dog"), "3nybhbi3iqa8ino29wqQcBydtNk=");
  EXPECT_EQ(turn_rest_credential(kSecret, "1700021600:alice"), "IbecqOPBTBdc9N69Pkc9V7iZ8Bk=");
  EXPECT_EQ(turn_rest_credential(kSecret, ""), "4A8fbE1Gvt4bPKwxGuJRVYtK6KA=");
}

TEST(TurnRestCredential, HandlesSecretsLongerThanTheHashBlock) {
  EXPECT_EQ(turn_rest_credential(std::string(100, 'x'), "1700021600:alice"), "K9/G2hUZ4C07WGTOMhYjRaTtOMw=");
}

TEST(TurnRestCredential, DependsOnSecretAndUsername) {
  const auto base = turn_rest_credential(kSecret, "1700021600:alice");
  EXPECT_EQ(base.size(), 28U);  // 20 bytes in base64
  EXPECT_NE(turn_rest_credential(kSecret + "!", "1700021600:alice"), base);
  EXPECT_NE(turn_rest_credential(kSecret, "1700021601:alice"), base);
  EXPECT_NE(turn_rest_credential(kSecret, "1700021600:alicf"), base);
}

// --- servers_for ------------------------------------------------------------------------------------------

TEST(IceServers, StunOnlyIsOneServerWithoutCredentials) {
  IceConfig cfg;
  cfg.stun_urls = {"stun:a.example:3478", "stuns:b.example:5349"};
  const auto servers = IceServers(cfg).servers_for("alice", t0);
  ASSERT_EQ(servers.size(), 1U);
  EXPECT_EQ(servers[0], (IceServer{cfg.stun_urls, std::nullopt, std::nullopt}));
}

TEST(IceServers, NothingConfiguredIsNoServers) {
  EXPECT_TRUE(IceServers(IceConfig{}).servers_for("alice", t0).empty());
}

TEST(IceServers, StaticTurnCredentialsAreHandedToEveryone) {
  const IceServers ice(static_turn());
  const auto servers = ice.servers_for("alice", t0);
  ASSERT_EQ(servers.size(), 2U);
  EXPECT_EQ(servers[0].urls, kStun);
  EXPECT_EQ(servers[1], (IceServer{kTurn, std::string("hearth"), std::string("p4ss")}));
  EXPECT_EQ(ice.servers_for("bob", t0 + 1h), servers);
}

TEST(IceServers, TurnRestCredentialsArePerUserAndExpire) {
  const IceServers ice(rest_turn());
  const auto servers = ice.servers_for("alice", t0);
  ASSERT_EQ(servers.size(), 2U);
  EXPECT_EQ(servers[1].urls, kTurn);
  EXPECT_EQ(servers[1].username, "1700021600:alice");  // expiry = now + 6 h, in epoch seconds
  EXPECT_EQ(servers[1].credential, "IbecqOPBTBdc9N69Pkc9V7iZ8Bk=");

  const auto bob = ice.servers_for("bob", t0 - 5h);
  EXPECT_EQ(bob[1].username, "1700003600:bob");
  EXPECT_EQ(bob[1].credential, "4UUPZPHMQay2wxbzwREoMaHrUtg=");
}

TEST(IceServers, TheExpiryIsInWholeSecondsAndFollowsTheTtl) {
  const auto at_999ms = IceServers(rest_turn()).servers_for("alice", t0 + 999ms);
  EXPECT_EQ(at_999ms[1].username, "1700021600:alice");  // truncated, not rounded

  const auto short_lived = IceServers(rest_turn(60s)).servers_for("carol", t0);
  EXPECT_EQ(short_lived[1].username, "1700000060:carol");
  EXPECT_EQ(short_lived[1].credential, "sSZDqTCONkpJVGBgI6ABZTw/F/4=");
}

TEST(IceServers, TheSecretWinsOverStaticCredentials) {
  IceConfig cfg = static_turn();
  cfg.turn_secret = kSecret;
  const auto servers = IceServers(cfg).servers_for("alice", t0);
  EXPECT_EQ(servers[1].username, "1700021600:alice");
  EXPECT_EQ(servers[1].credential, "IbecqOPBTBdc9N69Pkc9V7iZ8Bk=");
}

TEST(IceServers, TurnWithoutStun) {
  IceConfig cfg = static_turn();
  cfg.stun_urls.clear();
  const auto servers = IceServers(cfg).servers_for("alice", t0);
  ASSERT_EQ(servers.size(), 1U);
  EXPECT_EQ(servers[0].urls, kTurn);
}

// --- client_config ----------------------------------------------------------------------------------------

TEST(ClientIceConfig, MintedCredentialsSayWhenTheyExpire) {
  const auto config = IceServers(rest_turn(90s)).client_config("alice", t0 + 999ms);
  EXPECT_EQ(config.servers, IceServers(rest_turn(90s)).servers_for("alice", t0 + 999ms));
  EXPECT_EQ(config.servers[1].username, "1700000090:alice");
  ASSERT_TRUE(config.expires_at.has_value());
  EXPECT_EQ(*config.expires_at, t0 + 90s);  // the username's expiry, in whole seconds
  EXPECT_EQ(config.transport_policy, TransportPolicy::all);
}

TEST(ClientIceConfig, StaticOrNoTurnCredentialsDoNotExpire) {
  EXPECT_EQ(IceServers(static_turn()).client_config("alice", t0).expires_at, std::nullopt);
  IceConfig stun_only;
  stun_only.stun_urls = kStun;
  EXPECT_EQ(IceServers(stun_only).client_config("alice", t0).expires_at, std::nullopt);
}

TEST(ClientIceConfig, CarriesTheTransportPolicy) {
  IceConfig cfg = rest_turn();
  cfg.transport_policy = TransportPolicy::relay;
  EXPECT_EQ(IceServers(cfg).client_config("alice", t0).transport_policy, TransportPolicy::relay);
}

TEST(ClientIceConfig, AUserIdWithTheSeparatorStaysAfterTheExpiry) {
  // coturn reads the expiry up to the first ':' and signs the whole username: a ':' in the user id is harmless.
  const auto config = IceServers(rest_turn()).client_config("team:alice", t0);
  EXPECT_EQ(config.servers[1].username, "1700021600:team:alice");
  EXPECT_EQ(config.servers[1].credential, turn_rest_credential(kSecret, "1700021600:team:alice"));
}

TEST(TransportPolicy, ParsesAllAndRelayOnly) {
  EXPECT_EQ(parse_transport_policy("all"), TransportPolicy::all);
  EXPECT_EQ(parse_transport_policy("relay"), TransportPolicy::relay);
  for (const char* bad : {"", "Relay", "none", "relay ", "public"})
    EXPECT_EQ(parse_transport_policy(bad), std::nullopt);
  EXPECT_EQ(to_string(TransportPolicy::all), "all");
  EXPECT_EQ(to_string(TransportPolicy::relay), "relay");
}

// --- defaults and validate --------------------------------------------------------------------------------

TEST(IceConfigDefaults, ThreePublicStunServers) {
  const auto urls = default_stun_urls();
  EXPECT_EQ(urls, (std::vector<std::string>{"stun:stun.l.google.com:19302", "stun:stun.services.mozilla.com:3478",
                                            "stun:stun.stunprotocol.org:3478"}));
  IceConfig cfg;
  cfg.stun_urls = urls;
  EXPECT_EQ(validate(cfg), std::nullopt);
  EXPECT_EQ(cfg.turn_credential_ttl, 6h);
}

TEST(IceConfigValidate, AcceptsStaticAndRestTurn) {
  EXPECT_EQ(validate(static_turn()), std::nullopt);
  EXPECT_EQ(validate(rest_turn()), std::nullopt);
  EXPECT_EQ(validate(IceConfig{}), std::nullopt);
}

TEST(IceConfigValidate, StunUrlsNeedTheStunScheme) {
  for (const char* url : {"turn:x.example", "http://x.example", "x.example:3478", "STUN:x.example", ""}) {
    IceConfig cfg;
    cfg.stun_urls = {"stun:ok.example", url};
    EXPECT_EQ(validate(cfg), "STUN_SERVERS: '" + std::string(url) + "' must start with stun: or stuns:");
  }
}

TEST(IceConfigValidate, TurnUrlsNeedTheTurnScheme) {
  for (const char* url : {"stun:x.example", "turnx:x.example", "https://x.example"}) {
    IceConfig cfg = static_turn();
    cfg.turn_urls = {url};
    EXPECT_EQ(validate(cfg), "TURN_SERVER_URL: '" + std::string(url) + "' must start with turn: or turns:");
  }
}

TEST(IceConfigValidate, TurnNeedsCredentialsOrASecret) {
  const std::string message = "TURN_SERVER_URL needs TURN_USERNAME and TURN_PASSWORD, or TURN_SECRET";
  EXPECT_EQ(validate(turn_config()), message);
  IceConfig user_only = turn_config();
  user_only.turn_username = "hearth";
  EXPECT_EQ(validate(user_only), message);
  IceConfig password_only = turn_config();
  password_only.turn_password = "p4ss";
  EXPECT_EQ(validate(password_only), message);
}

TEST(IceConfigValidate, RelayOnlyNeedsATurnServer) {
  IceConfig stun_only;
  stun_only.stun_urls = kStun;
  stun_only.transport_policy = TransportPolicy::relay;
  EXPECT_EQ(validate(stun_only), "ICE_TRANSPORT_POLICY=relay needs TURN_SERVER_URL");
  IceConfig cfg = rest_turn();
  cfg.transport_policy = TransportPolicy::relay;
  EXPECT_EQ(validate(cfg), std::nullopt);
}

TEST(IceConfigValidate, TheCredentialTtlIsPositive) {
  for (auto ttl : {0s, -1s}) EXPECT_EQ(validate(rest_turn(ttl)), "TURN_CREDENTIAL_TTL_SECONDS must be positive");
  EXPECT_EQ(validate(rest_turn(1s)), std::nullopt);
}

}  // namespace
}  // namespace hearth::ice
