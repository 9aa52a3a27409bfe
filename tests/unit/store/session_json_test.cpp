#include "store/session_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

namespace json = boost::json;
using test::make_full_session;
using test::make_session;

json::object document(const calls::CallSession& s) { return json::parse(to_json_text(s)).as_object(); }

// Through text, as the store does.
Result<calls::CallSession> round_trip(const calls::CallSession& s) {
  return session_from_json(json::parse(to_json_text(s)));
}

json::object full_document() { return document(make_full_session()); }

TEST(SessionJson, RoundTripsEveryField) {
  const auto s = make_full_session();
  auto back = round_trip(s);
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_EQ(*back, s);
}

TEST(SessionJson, RoundTripsNullsAndEmptyOptionals) {
  auto s = make_session("sess-min", "u1", {"u2"});
  s.deadline = {};
  const auto doc = document(s);
  for (const char* key : {"startTime", "endTime", "endReason", "endedBy", "therapySessionId"})
    EXPECT_TRUE(doc.at(key).is_null()) << key;
  const auto& p = doc.at("participants").as_array().at(0).as_object();
  for (const char* key : {"socketId", "peerId", "joinedAt", "leftAt"}) EXPECT_TRUE(p.at(key).is_null()) << key;
  EXPECT_TRUE(doc.at("metadata").at("tags").as_array().empty());

  auto back = round_trip(s);
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_EQ(*back, s);
}

TEST(SessionJson, AcceptsAbsentNullableFields) {
  auto doc = full_document();
  for (const char* key : {"startTime", "endTime", "endReason", "endedBy", "therapySessionId"}) doc.erase(key);
  auto back = session_from_json(doc);
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_FALSE(back->start_time);
  EXPECT_EQ(back->end_reason, calls::EndReason::none);
  EXPECT_TRUE(back->ended_by.empty());
  EXPECT_FALSE(back->therapy_session_id);
}

TEST(SessionJson, UsageRoundTripsAndIsNothingInOlderDocuments) {
  auto s = make_full_session();
  s.usage = {true, true};
  auto back = round_trip(s);
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_EQ(back->usage, s.usage);
  auto doc = json::parse(to_json_text(s)).as_object();
  EXPECT_EQ(doc.at("usage"), (json::object{{"screenShared", true}, {"videoTurnedOff", true}}));
  doc.erase("usage");  // written before usage was tracked
  back = session_from_json(doc);
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_EQ(back->usage, calls::Usage{});
}

TEST(SessionJson, LeftReasonOnlyOnceAParticipantLeft) {
  const auto doc = full_document();
  const auto& participants = doc.at("participants").as_array();
  EXPECT_FALSE(participants.at(0).as_object().contains("leftReason"));  // in the call: the key is left out
  EXPECT_EQ(participants.at(1).at("leftReason"), "disconnected");
  for (const char* bad : {"none", "gone"}) {  // "none" is never written, so it never reads back
    auto broken = doc;
    broken.at("participants").as_array().at(1).as_object()["leftReason"] = bad;
    EXPECT_FALSE(session_from_json(broken).ok()) << bad;
  }
}

TEST(SessionJson, HasTheApiShape) {
  const auto doc = full_document();
  EXPECT_EQ(doc.at("sessionId"), "sess-full");
  EXPECT_EQ(doc.at("sessionType"), "therapy");
  EXPECT_EQ(doc.at("status"), "ended");
  EXPECT_EQ(doc.at("createdAt"), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(doc.at("endReason"), "ended_by_user");
  EXPECT_EQ(doc.at("duration"), 60);
  EXPECT_EQ(doc.at("invitedUsers"), (json::array{"u-b", "u-c"}));
  EXPECT_EQ(doc.at("callSettings").at("isRecordingEnabled"), true);
  EXPECT_FALSE(doc.contains("deadline"));
}

// Pins the bytes clients receive: field order, null for absent values, the escaping of Boost.JSON's serializer
// (the text is also what Boost.JSON writes for the same tree).
TEST(SessionJson, WritesTheDocumentText) {
  auto s = make_session("call_1", "u1", {"u2"}, 1'700'000'000'000);
  s.participants[0].joined_at = test::at(1'700'000'001'000);
  s.participants[0].socket_id = "sock\"1";
  s.participants[0].is_active = true;
  s.metadata.tags = {"a", "b\n"};
  const std::string expected =
      R"({"sessionId":"call_1","sessionType":"one-to-one","initiatorId":"u1","invitedUsers":["u2"],)"
      R"("participants":[{"userId":"u1","name":"Initiator","socketId":"sock\"1","peerId":null,)"
      R"("joinedAt":"2023-11-14T22:13:21.000Z","leftAt":null,"isActive":true,"hasVideo":true,"hasAudio":true,)"
      R"("isScreenSharing":false,"role":"host"},{"userId":"u2","name":"Invitee u2","socketId":null,"peerId":null,)"
      R"("joinedAt":null,"leftAt":null,"isActive":false,"hasVideo":true,"hasAudio":true,"isScreenSharing":false,)"
      R"("role":"participant"}],)"
      R"("maxParticipants":8,"status":"waiting","createdAt":"2023-11-14T22:13:20.000Z","startTime":null,)"
      R"("endTime":null,"duration":0,"endReason":null,"endedBy":null,"callSettings":{"isVideoEnabled":true,)"
      R"("isAudioEnabled":true,"isRecordingEnabled":false,"allowScreenShare":true,"waitingRoom":false},)"
      R"("usage":{"screenShared":false,"videoTurnedOff":false},"therapySessionId":null,)"
      R"("metadata":{"title":"","description":"","tags":["a","b\n"]},"waitingRoom":[],"locked":false,)"
      R"("removedUsers":[],"moderation":[],"breakoutRooms":null,"breakoutHistory":[],"breakoutRounds":0})";
  EXPECT_EQ(to_json_text(s), expected);
  const auto full = to_json_text(make_full_session());
  EXPECT_EQ(json::serialize(json::parse(full)), full);
}

TEST(SessionJson, SettingsAndMetadataTreesMatchTheirText) {
  const auto s = make_full_session();
  std::string settings, metadata;
  JsonWriter ws(settings), wm(metadata);
  write_json(ws, s.call_settings);
  write_json(wm, s.metadata);
  EXPECT_EQ(json::serialize(to_json(s.call_settings)), settings);
  EXPECT_EQ(json::serialize(to_json(s.metadata)), metadata);
}

TEST(SessionJson, KeepsUnicodeAndEscapes) {
  const auto text = to_json_text(make_full_session());
  const auto doc = json::parse(text).as_object();
  EXPECT_EQ(doc.at("metadata").at("title"), "Séance — 日本語 🎉");
  EXPECT_EQ(doc.at("metadata").at("description"), "quote \" backslash \\ newline \n tab \t nul-free");
  // \u escapes (as another writer might produce) decode to the same UTF-8.
  auto escaped = full_document();
  escaped["metadata"].as_object()["tags"] = json::parse(R"(["\u00fcn\u00efc\u00f8d\u00e9", "emoji \ud83d\ude00"])");
  auto back = session_from_json(escaped);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->metadata.tags, (std::vector<std::string>{"ünïcødé", "emoji 😀"}));
}

// Each mutation of a valid document must be rejected as corrupt, never thrown or half-read.
struct Corruption {
  const char* name;
  std::function<void(json::object&)> apply;
};

TEST(SessionJson, RecognisesDocumentText) {
  EXPECT_TRUE(is_document_text(to_json_text(test::make_full_session())));
  EXPECT_TRUE(is_document_text(R"({"a":[1,{"b":null}],"c":"\u00e9"})"));
  EXPECT_FALSE(is_document_text(""));
  EXPECT_FALSE(is_document_text(R"({"sessionId":)"));          // cut short
  EXPECT_FALSE(is_document_text(R"({"a":1} {"b":2})"));        // two values
  EXPECT_FALSE(is_document_text(R"({"a":1},)"));               // trailing bytes
  EXPECT_FALSE(is_document_text(R"(["not","an","object"])"));  // an array
  EXPECT_FALSE(is_document_text(R"("text")"));                 // a string
  EXPECT_FALSE(is_document_text("{\"a\":\"\xff\"}"));          // not UTF-8
  EXPECT_FALSE(is_document_text(R"({"a":1 /* note */})"));     // comments are not JSON
}

TEST(SessionJson, RejectsCorruptDocuments) {
  const std::vector<Corruption> cases = {
      {"missing sessionId", [](json::object& d) { d.erase("sessionId"); }},
      {"numeric sessionId", [](json::object& d) { d["sessionId"] = 7; }},
      {"unknown sessionType", [](json::object& d) { d["sessionType"] = "broadcast"; }},
      {"unknown status", [](json::object& d) { d["status"] = "paused"; }},
      {"null status", [](json::object& d) { d["status"] = nullptr; }},
      {"bad createdAt", [](json::object& d) { d["createdAt"] = "yesterday"; }},
      {"null createdAt", [](json::object& d) { d["createdAt"] = nullptr; }},
      {"bad startTime", [](json::object& d) { d["startTime"] = "2023-13-01T00:00:00.000Z"; }},
      {"numeric endTime", [](json::object& d) { d["endTime"] = 1700000000000; }},
      {"string maxParticipants", [](json::object& d) { d["maxParticipants"] = "8"; }},
      {"float duration", [](json::object& d) { d["duration"] = 1.5; }},
      {"unknown endReason", [](json::object& d) { d["endReason"] = "exploded"; }},
      {"invitedUsers not array", [](json::object& d) { d["invitedUsers"] = "u-b"; }},
      {"number in invitedUsers",
       [](json::object& d) {
         d["invitedUsers"] = json::array{"u-b", 3};
       }},
      {"participants missing", [](json::object& d) { d.erase("participants"); }},
      {"participant not object", [](json::object& d) { d["participants"] = json::array{"u-b"}; }},
      {"participant without isActive",
       [](json::object& d) { d["participants"].as_array()[0].as_object().erase("isActive"); }},
      {"participant bad joinedAt",
       [](json::object& d) { d["participants"].as_array()[0].as_object()["joinedAt"] = "now"; }},
      {"callSettings missing", [](json::object& d) { d.erase("callSettings"); }},
      {"callSettings flag as string",
       [](json::object& d) { d["callSettings"].as_object()["allowScreenShare"] = "yes"; }},
      {"metadata not object", [](json::object& d) { d["metadata"] = json::array{}; }},
      {"number in tags", [](json::object& d) { d["metadata"].as_object()["tags"] = json::array{1}; }},
      {"numeric therapySessionId", [](json::object& d) { d["therapySessionId"] = 42; }},
  };
  for (const auto& c : cases) {
    auto doc = full_document();
    c.apply(doc);
    auto r = session_from_json(doc);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code, errc::internal) << c.name;
  }
  for (const auto& v : {json::value(nullptr), json::value(json::array{}), json::value("text"), json::value(1)}) {
    auto r = session_from_json(v);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::internal);
  }
}

}  // namespace
}  // namespace hearth::store
