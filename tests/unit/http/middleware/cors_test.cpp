#include "http/middleware/cors.hpp"

#include <gtest/gtest.h>
#include <boost/beast/http/field.hpp>

// CORS: an allow-list of origins or any origin; preflight answers and the headers added to other answers.
namespace hearth::http {
namespace {
namespace bhttp = boost::beast::http;
using bhttp::field;
using bhttp::verb;

const std::string kApp = "https://app.hearth.example";
const std::string kAdmin = "https://admin.hearth.example";
const std::string kEvil = "https://evil.example";

net::Request request(verb method, std::string_view origin = {}, bool asks_method = false) {
  net::Request req{method, "/api/video-call/initiate", 11};
  if (!origin.empty()) req.set(field::origin, origin);
  if (asks_method) req.set(field::access_control_request_method, "POST");
  return req;
}
net::Request preflight_from(std::string_view origin) { return request(verb::options, origin, true); }

bool has(const net::Response& res, field f) { return res.find(f) != res.end(); }

const CorsPolicy kListed({kApp, kAdmin}, false);
const CorsPolicy kAny({}, true);
const CorsPolicy kNone({}, false);

TEST(CorsAllowed, OnlyListedOriginsExactly) {
  EXPECT_TRUE(kListed.allowed(kApp));
  EXPECT_TRUE(kListed.allowed(kAdmin));
  EXPECT_FALSE(kListed.allowed(kEvil));
  EXPECT_FALSE(kListed.allowed(kApp + "/"));                   // an Origin never has a path
  EXPECT_FALSE(kListed.allowed("http://app.hearth.example"));  // scheme matters
  EXPECT_FALSE(kListed.allowed("https://app.hearth.example:8443"));
  EXPECT_FALSE(kListed.allowed("https://app.hearth.example.evil.example"));
  EXPECT_FALSE(kListed.allowed(""));
}

TEST(CorsAllowed, AnyOriginWhenAllowAnyButNeverAMissingOne) {
  EXPECT_TRUE(kAny.allowed(kEvil));
  EXPECT_TRUE(kAny.allowed("http://localhost:5173"));
  EXPECT_FALSE(kAny.allowed(""));
}

TEST(CorsAllowed, NoOriginWithAnEmptyList) {
  EXPECT_FALSE(kNone.allowed(kApp));
  EXPECT_FALSE(kNone.allowed("*"));
}

TEST(CorsPreflight, OnlyOptionsWithAccessControlRequestMethodIsAPreflight) {
  EXPECT_FALSE(kListed.preflight(request(verb::post, kApp, true)).has_value());
  EXPECT_FALSE(kListed.preflight(request(verb::get, kApp)).has_value());
  EXPECT_FALSE(kListed.preflight(request(verb::options, kApp)).has_value());  // a plain OPTIONS goes on
}

TEST(CorsPreflight, AllowedOriginGets204WithTheCorsHeaders) {
  const auto res = kListed.preflight(preflight_from(kApp));
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result(), bhttp::status::no_content);
  EXPECT_EQ(res->version(), 11U);
  EXPECT_EQ((*res)[field::access_control_allow_origin], kApp);  // reflected, never "*"
  EXPECT_EQ((*res)[field::access_control_allow_credentials], "true");
  EXPECT_EQ((*res)[field::access_control_allow_methods], "GET, POST, PUT, DELETE, OPTIONS");
  EXPECT_EQ((*res)[field::access_control_allow_headers], "Authorization, Content-Type");
  EXPECT_EQ((*res)[field::access_control_max_age], "600");
  EXPECT_EQ((*res)[field::vary], "Origin");
  EXPECT_TRUE(res->body().empty());
}

TEST(CorsPreflight, DeniedOriginGets403WithoutCorsHeaders) {
  for (const auto& origin : {kEvil, std::string()}) {
    const auto res = kListed.preflight(preflight_from(origin));
    ASSERT_TRUE(res.has_value()) << origin;
    EXPECT_EQ(res->result(), bhttp::status::forbidden) << origin;
    EXPECT_FALSE(has(*res, field::access_control_allow_origin)) << origin;
    EXPECT_FALSE(has(*res, field::access_control_allow_methods)) << origin;
    EXPECT_FALSE(has(*res, field::access_control_allow_credentials)) << origin;
    EXPECT_EQ((*res)[field::vary], "Origin") << origin;  // caches must not reuse it for another origin
  }
}

TEST(CorsPreflight, AllowAnyReflectsWhateverOriginAsks) {
  const auto res = kAny.preflight(preflight_from("http://localhost:5173"));
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result(), bhttp::status::no_content);
  EXPECT_EQ((*res)[field::access_control_allow_origin], "http://localhost:5173");
}

TEST(CorsPreflight, KeepsTheRequestsHttpVersion) {
  auto req = preflight_from(kApp);
  req.version(10);
  EXPECT_EQ(kListed.preflight(req)->version(), 10U);
}

TEST(CorsDecorate, AddsHeadersForAnAllowedOrigin) {
  net::Response res{bhttp::status::ok, 11};
  kListed.decorate(request(verb::get, kAdmin), res);
  EXPECT_EQ(res[field::access_control_allow_origin], kAdmin);
  EXPECT_EQ(res[field::access_control_allow_credentials], "true");
  EXPECT_EQ(res[field::vary], "Origin");
  EXPECT_FALSE(has(res, field::access_control_allow_methods));  // preflight only
}

TEST(CorsDecorate, LeavesOtherAnswersAlone) {
  for (const auto* policy : {&kListed, &kNone, &kAny}) {
    net::Response res{bhttp::status::ok, 11};
    policy->decorate(request(verb::get), res);  // same-origin or non-browser: no Origin header
    EXPECT_EQ(res.begin(), res.end());
  }
  net::Response res{bhttp::status::ok, 11};
  kListed.decorate(request(verb::get, kEvil), res);
  EXPECT_FALSE(has(res, field::access_control_allow_origin));
  EXPECT_FALSE(has(res, field::access_control_allow_credentials));
}

}  // namespace
}  // namespace hearth::http
