#include "ice/ice_json.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

// RTCIceServer objects: {"urls":[...]} plus "username" and "credential" only when there are credentials.
namespace hearth::ice {
namespace {
namespace json = boost::json;

TEST(IceJson, StunServersHaveOnlyUrls) {
  const auto out = to_json({IceServer{{"stun:a.example:3478", "stun:b.example:3478"}, std::nullopt, std::nullopt}});
  EXPECT_EQ(out, json::parse(R"([{"urls":["stun:a.example:3478","stun:b.example:3478"]}])"));
}

TEST(IceJson, TurnServersCarryTheirCredentials) {
  const auto out = to_json({IceServer{{"stun:a.example"}, std::nullopt, std::nullopt},
                            IceServer{{"turn:t.example:3478"}, "1700021600:alice", "IbecqOPBTBdc9N69Pkc9V7iZ8Bk="}});
  EXPECT_EQ(
      json::serialize(out),
      R"([{"urls":["stun:a.example"]},)"
      R"({"urls":["turn:t.example:3478"],"username":"1700021600:alice","credential":"IbecqOPBTBdc9N69Pkc9V7iZ8Bk="}])");
}

TEST(IceJson, UrlsIsAlwaysAnArray) {
  const auto out = to_json({IceServer{{"stun:only.example"}, std::nullopt, std::nullopt}});
  ASSERT_EQ(out.size(), 1U);
  EXPECT_TRUE(out[0].as_object().at("urls").is_array());
}

TEST(IceJson, NoServersIsAnEmptyArray) { EXPECT_EQ(json::serialize(to_json({})), "[]"); }

TEST(IceJson, RoundTripsThroughServersFor) {
  IceConfig cfg;
  cfg.stun_urls = {"stun:s.example"};
  cfg.turn_urls = {"turns:t.example:5349"};
  cfg.turn_secret = "coturn-shared-secret";
  const auto out = to_json(IceServers(cfg).servers_for("alice", from_epoch_ms(1'700'000'000'000)));
  EXPECT_EQ(out, json::parse(R"([{"urls":["stun:s.example"]},
      {"urls":["turns:t.example:5349"],"username":"1700021600:alice","credential":"IbecqOPBTBdc9N69Pkc9V7iZ8Bk="}])"));
}

TEST(IceJson, AClientConfigHasServersPolicyAndExpiry) {
  ClientIceConfig config{{IceServer{{"turn:t.example:3478"}, "1700021600:alice", "IbecqOPBTBdc9N69Pkc9V7iZ8Bk="}},
                         TransportPolicy::relay,
                         from_epoch_ms(1'700'021'600'000)};
  EXPECT_EQ(json::serialize(client_config_json(config)),
            R"({"iceServers":[{"urls":["turn:t.example:3478"],"username":"1700021600:alice",)"
            R"("credential":"IbecqOPBTBdc9N69Pkc9V7iZ8Bk="}],"iceTransportPolicy":"relay",)"
            R"("expiresAt":"2023-11-15T04:13:20.000Z"})");
}

TEST(IceJson, CredentialsThatDoNotExpireHaveNoExpiresAt) {
  ClientIceConfig config{
      {IceServer{{"stun:s.example"}, std::nullopt, std::nullopt}}, TransportPolicy::all, std::nullopt};
  EXPECT_EQ(client_config_json(config),
            json::parse(R"({"iceServers":[{"urls":["stun:s.example"]}],"iceTransportPolicy":"all"})"));
}

}  // namespace
}  // namespace hearth::ice
