#include "store/quality_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <boost/json/parse.hpp>

namespace hearth::store {
namespace {

namespace json = boost::json;
using calls::ParticipantQuality;
using calls::QualitySummary;

QualitySummary full_summary() {
  ParticipantQuality a;
  a.user_id = "alice \"A\" 王";
  a.samples = 12;
  a.mos_min = 3.1415926535897931;
  a.mos_mean = 4.2;
  a.worst_loss_pct = 0.1 + 0.2;  // not exactly 0.3: the text must still read back as the same double
  a.establishment_client_ms = 850;
  a.establishment_server_ms = 420;
  a.candidate_types = {"host", "relay", "srflx"};
  a.relayed = true;
  ParticipantQuality b;
  b.user_id = "bob";
  b.samples = 0;  // nothing reported about bob: no level
  b.establishment_server_ms = 0;
  ParticipantQuality c;
  c.user_id = "carol";
  c.samples = 3;
  c.mos_min = 1;
  c.mos_mean = 5;  // integral doubles are written without a fraction and still read back
  c.worst_loss_pct = 100;
  return {{a, b, c}};
}

TEST(QualityJson, RoundTripsEveryFieldExactly) {
  const auto q = full_summary();
  const auto back = quality_from_json_text(quality_to_json_text(q));
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_EQ(*back, q);
}

TEST(QualityJson, RoundTripsAnEmptySummary) {
  EXPECT_EQ(quality_to_json_text({}), R"({"participants":[]})");
  const auto back = quality_from_json_text(R"({"participants":[]})");
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->participants.empty());
}

TEST(QualityJson, StoredTextHasTheParticipantShapeWithoutDerivedFields) {
  const auto v = json::parse(quality_to_json_text(full_summary())).as_object();
  EXPECT_EQ(v.size(), 1u);
  const auto& p = v.at("participants").as_array().at(1).as_object();
  EXPECT_EQ(p.at("userId").as_string(), "bob");
  EXPECT_TRUE(p.at("establishmentMs").at("client").is_null());
  EXPECT_EQ(p.at("establishmentMs").at("server").as_int64(), 0);
  EXPECT_FALSE(p.contains("level"));
}

TEST(QualityJson, RefusesCorruptText) {
  const auto participant = [](const std::string& replace_key, const std::string& with) {
    std::string p = R"({"userId":"u","samples":1,"mosMin":3,"mosMean":4,"worstLossPct":0,)"
                    R"("establishmentMs":{"client":null,"server":1},"candidateTypes":["host"],"relayed":false})";
    const auto at = p.find(replace_key);
    p.replace(at, replace_key.size(), with);
    return R"({"participants":[)" + p + "]}";
  };
  ASSERT_TRUE(quality_from_json_text(participant("\"samples\":1", "\"samples\":1")).ok());  // the template parses
  const std::vector<std::string> corrupt = {
      "",
      "{",
      "[]",
      "null",
      R"({"participants":{}})",
      R"({"participants":[1]})",
      R"({"nope":[]})",
      R"({"participants":[]} trailing)",
      participant("\"userId\":\"u\"", "\"userId\":7"),
      participant("\"userId\":\"u\",", ""),
      participant("\"samples\":1", "\"samples\":-1"),
      participant("\"samples\":1", "\"samples\":1.5"),
      participant("\"samples\":1", "\"samples\":\"1\""),
      participant("\"samples\":1", "\"samples\":99999999999"),
      participant("\"mosMin\":3", "\"mosMin\":null"),
      participant("\"mosMean\":4", "\"mosMean\":5.5"),
      participant("\"worstLossPct\":0", "\"worstLossPct\":-1"),
      participant("\"worstLossPct\":0,", ""),
      participant("\"client\":null", "\"client\":\"fast\""),
      participant("\"server\":1", "\"server\":-5"),
      participant("\"server\":1", "\"server\":1.5"),
      participant("\"establishmentMs\":{\"client\":null,\"server\":1}", "\"establishmentMs\":3"),
      participant("[\"host\"]", "[\"host\",3]"),
      participant("[\"host\"]", "\"host\""),
      participant("\"relayed\":false", "\"relayed\":0"),
  };
  for (const auto& text : corrupt) {
    const auto r = quality_from_json_text(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, errc::internal) << text;
  }
}

TEST(QualityJson, CheckNamesTheParticipantAndTheField) {
  auto q = full_summary();
  EXPECT_TRUE(check_quality(q).ok());
  q.participants[2].mos_mean = std::numeric_limits<double>::quiet_NaN();
  auto r = check_quality(q);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_NE(r.error().message.find("participants[2].mosMean"), std::string::npos) << r.error().message;
  q = full_summary();
  q.participants[0].worst_loss_pct = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(check_quality(q).ok());
  q = full_summary();
  q.participants[1].establishment_client_ms = -1;
  EXPECT_FALSE(check_quality(q).ok());
  q = full_summary();
  q.participants[1].samples = -1;
  EXPECT_FALSE(check_quality(q).ok());
}

TEST(QualityJson, NonFiniteNumbersAreWrittenAsNullAndDoNotReadBack) {
  auto q = full_summary();
  q.participants[0].mos_mean = std::numeric_limits<double>::infinity();
  const auto text = quality_to_json_text(q);
  EXPECT_TRUE(json::parse(text).at("participants").at(0).at("mosMean").is_null()) << text;
  EXPECT_FALSE(quality_from_json_text(text).ok());
}

TEST(QualityJson, AnswerAddsLevelsAndTheCallsFigures) {
  const auto v = json::parse(quality_answer_json("sess-1", full_summary())).as_object();
  EXPECT_EQ(v.at("sessionId").as_string(), "sess-1");
  const auto& ps = v.at("participants").as_array();
  ASSERT_EQ(ps.size(), 3u);
  EXPECT_EQ(ps[0].at("level").as_string(), "excellent");  // 4.2
  EXPECT_TRUE(ps[1].at("level").is_null());               // no samples
  EXPECT_EQ(ps[2].at("level").as_string(), "excellent");  // 5
  EXPECT_EQ(ps[0].at("userId").as_string(), "alice \"A\" 王");
  EXPECT_EQ(ps[0].at("samples").as_int64(), 12);
  EXPECT_EQ(ps[0].at("mosMean").as_double(), 4.2);
  EXPECT_EQ(ps[0].at("establishmentMs").at("client").as_int64(), 850);
  EXPECT_EQ(ps[0].at("candidateTypes").as_array().size(), 3u);
  EXPECT_TRUE(ps[0].at("relayed").as_bool());
  const auto& call = v.at("call").as_object();
  EXPECT_DOUBLE_EQ(call.at("mosMean").to_number<double>(), (4.2 + 5) / 2);  // bob has no samples
  EXPECT_DOUBLE_EQ(call.at("mosMin").to_number<double>(), 1);
  EXPECT_TRUE(call.at("relayed").as_bool());
}

TEST(QualityJson, AnswerLevelsFollowTheThresholds) {
  QualitySummary q;
  for (const double mos : {4.5, 3.7, 3.2, 2.0, 1.0}) {
    ParticipantQuality p;
    p.user_id = "u";
    p.samples = 1;
    p.mos_mean = p.mos_min = mos;
    q.participants.push_back(p);
  }
  const auto ps = json::parse(quality_answer_json("s", q)).at("participants").as_array();
  std::vector<std::string> levels;
  for (const auto& p : ps) levels.emplace_back(p.at("level").as_string());
  EXPECT_EQ(levels, (std::vector<std::string>{"excellent", "good", "fair", "poor", "lost"}));
}

TEST(QualityJson, AnswerForACallWithoutScoresHasNullFigures) {
  QualitySummary q;
  ParticipantQuality p;
  p.user_id = "u";
  q.participants.push_back(p);
  const auto v = json::parse(quality_answer_json("s", q));
  EXPECT_TRUE(v.at("call").at("mosMean").is_null());
  EXPECT_TRUE(v.at("call").at("mosMin").is_null());
  EXPECT_FALSE(v.at("call").at("relayed").as_bool());
  EXPECT_TRUE(v.at("participants").at(0).at("level").is_null());
}

}  // namespace
}  // namespace hearth::store
