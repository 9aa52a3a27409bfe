#include "http/api/request_parsing.hpp"

#include <string>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

// Untrusted bodies and query strings -> domain requests: JSON types here, every message naming the field and
// the rule. The domain rules themselves (counts, lengths, capacity) are tested in tests/unit/calls.
namespace hearth::http {
namespace {
namespace json = boost::json;

template <class T>
void expect_message(const Result<T>& r, std::string_view message) {
  ASSERT_FALSE(r.ok()) << "expected: " << message;
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_EQ(r.error().message, message);
}

Result<calls::InitiateRequest> initiate(std::string_view body) { return parse_initiate(json::parse(body)); }
// A valid group request with `member` ("name": value) added.
Result<calls::InitiateRequest> initiate_with(std::string_view member) {
  return initiate(std::string(R"({"sessionType":"group","participants":["bob"],)") + std::string(member) + "}");
}
Result<calls::MediaUpdate> media(std::string_view body) { return parse_media_update(json::parse(body)); }

// --- parse_json_body --------------------------------------------------------------------------------------

TEST(ParseJsonBody, AcceptsAnObject) {
  auto r = parse_json_body(R"({"a":[1,2]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, json::parse(R"({"a":[1,2]})"));
}

TEST(ParseJsonBody, RefusesEmptyMalformedAndNonObjectBodies) {
  expect_message(parse_json_body(""), "body: a JSON object is required");
  for (const char* bad : {"{", R"({"a":})", "{'a':1}", "{} x", "\xff"}) {
    auto r = parse_json_body(bad);
    expect_message(r, "body: malformed JSON");
    if (!r.ok()) {
      EXPECT_FALSE(r.error().detail.empty()) << bad;  // the parser's reason, for development mode
    }
  }
  for (const char* bad : {"[]", "42", R"("x")", "null", "true"})
    expect_message(parse_json_body(bad), "body: must be a JSON object");
}

TEST(ParseJsonBody, LimitsNestingDepth) {
  const auto nested = [](int depth) { return R"({"a":)" + std::string(depth, '[') + std::string(depth, ']') + "}"; };
  EXPECT_TRUE(parse_json_body(nested(20)).ok());
  expect_message(parse_json_body(nested(1000)), "body: malformed JSON");
}

// --- parse_initiate ---------------------------------------------------------------------------------------

TEST(ParseInitiate, ReadsEveryField) {
  auto r = initiate(R"({"sessionType":"therapy","participants":["bob","carol"],
      "callSettings":{"isVideoEnabled":false,"isAudioEnabled":true,"isRecordingEnabled":true,"allowScreenShare":false},
      "metadata":{"title":"Weekly","description":"Check-in","tags":["care","weekly"]},
      "therapySessionId":"therapy-7","maxParticipants":3,"unknownField":{"ignored":true}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->session_type, calls::SessionType::therapy);
  EXPECT_EQ(r->participants, (std::vector<std::string>{"bob", "carol"}));
  // waitingRoom: on for a therapy call unless callSettings says otherwise (docs/call-controls.md).
  EXPECT_EQ(r->call_settings, (calls::CallSettings{false, true, true, false, true}));
  EXPECT_EQ(r->metadata, (calls::Metadata{"Weekly", "Check-in", {"care", "weekly"}}));
  EXPECT_EQ(r->therapy_session_id, "therapy-7");
  EXPECT_EQ(r->max_participants, 3);
}

TEST(ParseInitiate, OptionalFieldsDefaultWhenMissingOrNull) {
  for (const char* body : {R"({"sessionType":"one-to-one","participants":["bob"]})",
                           R"({"sessionType":"one-to-one","participants":["bob"],"callSettings":null,
                               "metadata":null,"therapySessionId":null,"maxParticipants":null})"}) {
    auto r = initiate(body);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->session_type, calls::SessionType::one_to_one);
    EXPECT_EQ(r->call_settings, calls::CallSettings{});
    EXPECT_EQ(r->metadata, calls::Metadata{});
    EXPECT_EQ(r->therapy_session_id, std::nullopt);
    EXPECT_EQ(r->max_participants, std::nullopt);
  }
}

TEST(ParseInitiate, CallSettingsNotGivenKeepTheirDefaults) {
  auto r = initiate_with(R"("callSettings":{"allowScreenShare":false})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->call_settings, (calls::CallSettings{true, true, false, false}));
}

TEST(ParseInitiate, SessionTypeIsRequiredAndKnown) {
  const char* required = "sessionType: required, one of one-to-one, group, therapy";
  expect_message(initiate(R"({"participants":["bob"]})"), required);
  expect_message(initiate(R"({"sessionType":1,"participants":["bob"]})"), required);
  expect_message(initiate(R"({"sessionType":null,"participants":["bob"]})"), required);
  for (const char* type : {"conference", "one_to_one", "Group", ""})
    expect_message(initiate(std::string(R"({"participants":["bob"],"sessionType":")") + type + "\"}"),
                   "sessionType: must be one of one-to-one, group, therapy");
}

TEST(ParseInitiate, ParticipantsAreARequiredArrayOfStrings) {
  const char* required = "participants: required, an array of user ids";
  expect_message(initiate(R"({"sessionType":"group"})"), required);
  expect_message(initiate(R"({"sessionType":"group","participants":"bob"})"), required);
  expect_message(initiate(R"({"sessionType":"group","participants":{"0":"bob"}})"), required);
  expect_message(initiate(R"({"sessionType":"group","participants":[7]})"), "participants[0]: must be a string");
  expect_message(initiate(R"({"sessionType":"group","participants":["bob",null]})"),
                 "participants[1]: must be a string");
  // An empty list parses: the domain refuses it with its count rule.
  EXPECT_TRUE(initiate(R"({"sessionType":"group","participants":[]})").ok());
}

TEST(ParseInitiate, ParticipantsAreBoundedBeforeCopying) {
  json::array ids;
  for (int i = 0; i < 10'001; ++i) ids.emplace_back("u" + std::to_string(i));
  json::object body{{"sessionType", "group"}, {"participants", ids}};
  expect_message(parse_initiate(body), "participants: too many user ids");
  ids.pop_back();
  body["participants"] = ids;
  EXPECT_TRUE(parse_initiate(body).ok());
}

TEST(ParseInitiate, CallSettingsIsAnObjectOfBooleans) {
  expect_message(initiate_with(R"("callSettings":true)"), "callSettings: must be an object");
  expect_message(initiate_with(R"("callSettings":[])"), "callSettings: must be an object");
  for (const char* field : {"isVideoEnabled", "isAudioEnabled", "isRecordingEnabled", "allowScreenShare"}) {
    for (const char* value : {"\"true\"", "1", "null"}) {
      const std::string member = std::string(R"("callSettings":{")") + field + "\":" + value + "}";
      expect_message(initiate_with(member), std::string("callSettings.") + field + ": must be a boolean");
    }
  }
}

TEST(ParseInitiate, MetadataIsAnObjectOfStringsAndATagList) {
  expect_message(initiate_with(R"("metadata":"Weekly")"), "metadata: must be an object");
  expect_message(initiate_with(R"("metadata":{"title":5})"), "metadata.title: must be a string");
  expect_message(initiate_with(R"("metadata":{"description":false})"), "metadata.description: must be a string");
  expect_message(initiate_with(R"("metadata":{"tags":"care"})"), "metadata.tags: must be an array of strings");
  expect_message(initiate_with(R"("metadata":{"tags":["care",{}]})"), "metadata.tags[1]: must be a string");
  auto r = initiate_with(R"("metadata":{"title":null,"description":"d","tags":null})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->metadata, (calls::Metadata{"", "d", {}}));
}

TEST(ParseInitiate, TagsAreBoundedBeforeCopying) {
  json::array tags(1001, json::value("t"));
  json::object body{{"sessionType", "group"}, {"participants", {"bob"}}, {"metadata", {{"tags", tags}}}};
  expect_message(parse_initiate(body), "metadata.tags: too many tags");
  tags.pop_back();
  body["metadata"] = json::object{{"tags", tags}};
  EXPECT_TRUE(parse_initiate(body).ok());  // the domain's limit (20) applies later, with its own message
}

TEST(ParseInitiate, TherapySessionIdIsAString) {
  expect_message(initiate_with(R"("therapySessionId":42)"), "therapySessionId: must be a string");
  expect_message(initiate_with(R"("therapySessionId":["t"])"), "therapySessionId: must be a string");
}

TEST(ParseInitiate, MaxParticipantsIsAnInteger) {
  for (const char* value : {"\"4\"", "4.5", "4.0", "true", "[4]"})
    expect_message(initiate_with(std::string(R"("maxParticipants":)") + value), "maxParticipants: must be an integer");
}

TEST(ParseInitiate, HugeMaxParticipantsAreClampedSoTheDomainRefusesThem) {
  const auto max_of = [](std::string_view value) {
    auto r = initiate_with(std::string(R"("maxParticipants":)") + std::string(value));
    EXPECT_TRUE(r.ok()) << value;
    return r.ok() ? r->max_participants : std::nullopt;
  };
  EXPECT_EQ(max_of("4"), 4);
  EXPECT_EQ(max_of("0"), 0);
  EXPECT_EQ(max_of("4294967298"), 1'000'000);            // would wrap to 2 as an int
  EXPECT_EQ(max_of("18446744073709551615"), 1'000'000);  // uint64
  EXPECT_EQ(max_of("-4294967294"), -1);                  // would wrap to 2 as an int
}

// --- parse_media_update -----------------------------------------------------------------------------------

TEST(ParseMediaUpdate, ReadsTheFlagsGiven) {
  auto r = media(R"({"hasAudio":false,"isScreenSharing":true})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->has_video, std::nullopt);
  EXPECT_EQ(r->has_audio, false);
  EXPECT_EQ(r->is_screen_sharing, true);
}

TEST(ParseMediaUpdate, AppliesOnlyTheFlagsGiven) {
  auto r = media(R"({"hasVideo":false})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->applied_to(calls::MediaState{true, true, true}), (calls::MediaState{false, true, true}));
  EXPECT_EQ(r->applied_to(calls::MediaState{false, false, false}), (calls::MediaState{false, false, false}));
}

TEST(ParseMediaUpdate, NeedsAtLeastOneFlag) {
  for (const char* body : {"{}", R"({"video":false})", R"({"HasVideo":true})"})
    expect_message(media(body), "body: give at least one of hasVideo, hasAudio, isScreenSharing");
}

TEST(ParseMediaUpdate, FlagsAreBooleans) {
  for (const char* field : {"hasVideo", "hasAudio", "isScreenSharing"})
    for (const char* value : {"\"false\"", "0", "null"})
      expect_message(media(std::string("{\"") + field + "\":" + value + "}"),
                     std::string(field) + ": must be a boolean");
}

// --- parse_history_query ----------------------------------------------------------------------------------

TEST(ParseHistoryQuery, DefaultsToTheFirstPageOfTwenty) {
  for (const char* query : {"", "foo=bar", "&&"}) {
    auto r = parse_history_query(query);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->page, 1) << query;
    EXPECT_EQ(r->limit, 20) << query;
    EXPECT_EQ(r->status, std::nullopt) << query;
  }
}

TEST(ParseHistoryQuery, ReadsPageLimitAndStatus) {
  auto r = parse_history_query("page=3&limit=50&status=ended");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->page, 3);
  EXPECT_EQ(r->limit, 50);
  EXPECT_EQ(r->status, calls::Status::ended);
}

TEST(ParseHistoryQuery, ValuesArePercentDecoded) {
  auto r = parse_history_query("status=%61ctive&limit=%31%30");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, calls::Status::active);
  EXPECT_EQ(r->limit, 10);
}

TEST(ParseHistoryQuery, PageIsAnIntegerFromOneToAMillion) {
  EXPECT_EQ(parse_history_query("page=1")->page, 1);
  EXPECT_EQ(parse_history_query("page=1000000")->page, 1'000'000);
  for (const char* q : {"page=0", "page=-1", "page=1000001"})
    expect_message(parse_history_query(q), "page: must be between 1 and 1000000");
  for (const char* q : {"page=", "page", "page=abc", "page=1.5", "page=2x", "page=+2", "page=%202", "page=99999999999"})
    expect_message(parse_history_query(q), "page: must be an integer");
}

TEST(ParseHistoryQuery, LimitIsAnIntegerFromOneToAHundred) {
  EXPECT_EQ(parse_history_query("limit=1")->limit, 1);
  EXPECT_EQ(parse_history_query("limit=100")->limit, 100);
  for (const char* q : {"limit=0", "limit=101", "limit=-5"})
    expect_message(parse_history_query(q), "limit: must be between 1 and 100");
  for (const char* q : {"limit=", "limit=ten", "limit=10.0"})
    expect_message(parse_history_query(q), "limit: must be an integer");
}

TEST(ParseHistoryQuery, StatusIsOneOfTheThree) {
  for (const char* q : {"status=", "status=missed", "status=ACTIVE", "status=active%20"})
    expect_message(parse_history_query(q), "status: must be one of waiting, active, ended");
}

// --- parse_chat_query -------------------------------------------------------------------------------------

TEST(ParseChatQuery, DefaultsToTheLatestFifty) {
  for (const char* query : {"", "other=1", "&&"}) {
    auto r = parse_chat_query(query);
    ASSERT_TRUE(r.ok()) << query;
    EXPECT_FALSE(r->before_seq) << query;
    EXPECT_EQ(r->limit, 50) << query;
  }
}

TEST(ParseChatQuery, ReadsBeforeAndLimit) {
  auto r = parse_chat_query("before=%34%32&limit=7");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->before_seq, 42);
  EXPECT_EQ(r->limit, 7);
  EXPECT_EQ(parse_chat_query("before=9223372036854775807")->before_seq, 9'223'372'036'854'775'807);
}

TEST(ParseChatQuery, BeforeIsAPositiveInteger) {
  EXPECT_EQ(parse_chat_query("before=1")->before_seq, 1);
  for (const char* q : {"before=", "before=0", "before=-3", "before=1.5", "before=x", "before=12abc", "before=+4",
                        "before=9223372036854775808", "before=%20"})
    expect_message(parse_chat_query(q), "before: must be a positive integer (a message's seq)");
}

TEST(ParseChatQuery, LimitIsAnIntegerFromOneToAHundred) {
  EXPECT_EQ(parse_chat_query("limit=1")->limit, 1);
  EXPECT_EQ(parse_chat_query("limit=100")->limit, 100);
  for (const char* q : {"limit=0", "limit=101", "limit=-1"})
    expect_message(parse_chat_query(q), "limit: must be between 1 and 100");
  for (const char* q : {"limit=", "limit=ten", "limit=5.0"})
    expect_message(parse_chat_query(q), "limit: must be an integer");
}

}  // namespace
}  // namespace hearth::http
