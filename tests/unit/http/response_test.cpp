#include "http/response.hpp"

#include <gtest/gtest.h>
#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>

#include "core/result.hpp"

// THE mapping of project error codes to HTTP statuses, and the JSON shape of every answer.
namespace hearth::http {
namespace {
namespace bhttp = boost::beast::http;
namespace json = boost::json;

json::object body_of(const net::Response& res) { return json::parse(res.body()).as_object(); }

struct Mapping {
  errc code;
  bhttp::status status;
};

class StatusFor : public ::testing::TestWithParam<Mapping> {};

TEST_P(StatusFor, MapsTheErrorCode) {
  EXPECT_EQ(status_for(GetParam().code), GetParam().status) << to_string(GetParam().code);
}

INSTANTIATE_TEST_SUITE_P(EveryCode, StatusFor,
                         ::testing::Values(Mapping{errc::invalid_argument, bhttp::status::bad_request},
                                           Mapping{errc::unauthenticated, bhttp::status::unauthorized},
                                           Mapping{errc::forbidden, bhttp::status::forbidden},
                                           Mapping{errc::not_found, bhttp::status::not_found},
                                           Mapping{errc::method_not_allowed, bhttp::status::method_not_allowed},
                                           Mapping{errc::conflict, bhttp::status::conflict},
                                           Mapping{errc::session_full, bhttp::status::conflict},
                                           Mapping{errc::gone, bhttp::status::gone},
                                           Mapping{errc::payload_too_large, bhttp::status::payload_too_large},
                                           Mapping{errc::unsupported_media_type, bhttp::status::unsupported_media_type},
                                           Mapping{errc::rate_limited, bhttp::status::too_many_requests},
                                           Mapping{errc::unavailable, bhttp::status::service_unavailable},
                                           Mapping{errc::internal, bhttp::status::internal_server_error}),
                         [](const ::testing::TestParamInfo<Mapping>& param) {
                           return std::string(to_string(param.param.code));
                         });

TEST(JsonResponse, IsUncachedUtf8JsonOverHttp11) {
  const auto res = json_response(bhttp::status::accepted, json::object{{"a", 1}});
  EXPECT_EQ(res.result(), bhttp::status::accepted);
  EXPECT_EQ(res.version(), 11U);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json; charset=utf-8");
  EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(res.body(), R"({"a":1})");
}

TEST(Ok, HasSuccessMessageAndData) {
  const auto res = ok("Call session created", json::object{{"sessionId", "call_1"}}, bhttp::status::created);
  EXPECT_EQ(res.result(), bhttp::status::created);
  const auto body = body_of(res);
  EXPECT_EQ(body.size(), 3U);
  EXPECT_EQ(body.at("success"), true);
  EXPECT_EQ(body.at("message"), "Call session created");
  EXPECT_EQ(body.at("data"), (json::object{{"sessionId", "call_1"}}));
}

TEST(Ok, DefaultsTo200) { EXPECT_EQ(ok("fine", nullptr).result(), bhttp::status::ok); }

TEST(ErrorResponse, InProductionHasOnlySuccessAndMessage) {
  const auto res = error_response(make_error(errc::gone, "Call session has ended", "secret internal detail"), false);
  EXPECT_EQ(res.result(), bhttp::status::gone);
  EXPECT_EQ(res[bhttp::field::content_type], "application/json; charset=utf-8");
  const auto body = body_of(res);
  EXPECT_EQ(body, (json::object{{"success", false}, {"message", "Call session has ended"}}));
  EXPECT_EQ(res.body().find("secret"), std::string::npos);
}

TEST(ErrorResponse, InDevelopmentAddsTheDetail) {
  const auto body =
      body_of(error_response(make_error(errc::invalid_argument, "body: malformed JSON", "syntax error"), true));
  EXPECT_EQ(body, (json::object{{"success", false}, {"message", "body: malformed JSON"}, {"error", "syntax error"}}));
}

TEST(ErrorResponse, InDevelopmentWithoutDetailNamesTheCode) {
  const auto res = error_response(make_error(errc::session_full, "Call session is full"), true);
  EXPECT_EQ(res.result(), bhttp::status::conflict);
  EXPECT_EQ(body_of(res).at("error"), "session_full");
}

TEST(ErrorResponse, MessagesAreJsonEscaped) {
  const auto res = error_response(make_error(errc::invalid_argument, "participants[0]: \"x\"\n"), false);
  EXPECT_EQ(body_of(res).at("message"), "participants[0]: \"x\"\n");
}

}  // namespace
}  // namespace hearth::http
