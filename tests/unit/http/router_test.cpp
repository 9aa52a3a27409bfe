#include "http/router.hpp"

#include <string>

#include <gtest/gtest.h>

// Route matching: ":param" segments, 404 (unknown path) versus 405 (known path, other method, with Allow).
namespace hearth::http {
namespace {
using boost::beast::http::verb;

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    // The routes of the REST API (request_handler.cpp), each handler named after its route.
    router_.add(verb::post, "/api/video-call/initiate", "initiate");
    router_.add(verb::post, "/api/video-call/join/:sessionId", "join");
    router_.add(verb::get, "/api/video-call/session/:sessionId", "get_session");
    router_.add(verb::put, "/api/video-call/session/:sessionId/media", "update_media");
    router_.add(verb::post, "/api/video-call/session/:sessionId/end", "end");
    router_.add(verb::get, "/api/video-call/history", "history");
  }

  // The handler matched, or "" (the path string must outlive the match: params are views into it).
  std::string handler(verb method, const std::string& path) const {
    const auto m = router_.match(method, path);
    return m.handler ? *m.handler : std::string();
  }

  Router<std::string> router_;
};

TEST_F(RouterTest, MatchesLiteralRoutesByMethodAndPath) {
  EXPECT_EQ(handler(verb::post, "/api/video-call/initiate"), "initiate");
  EXPECT_EQ(handler(verb::get, "/api/video-call/history"), "history");
  const std::string path = "/api/video-call/history";
  EXPECT_TRUE(router_.match(verb::get, path).params.empty());
}

TEST_F(RouterTest, CapturesParams) {
  const std::string path = "/api/video-call/session/call_1700000000000_abcdefghi/media";
  const auto m = router_.match(verb::put, path);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(*m.handler, "update_media");
  ASSERT_EQ(m.params.size(), 1U);
  EXPECT_EQ(m.params[0].first, "sessionId");
  EXPECT_EQ(m.params[0].second, "call_1700000000000_abcdefghi");
  EXPECT_TRUE(m.path_known);
}

TEST_F(RouterTest, CapturesSeveralParamsInOrder) {
  Router<int> r;
  r.add(verb::get, "/rooms/:room/users/:user", 1);
  const std::string path = "/rooms/r1/users/u2";
  const auto m = r.match(verb::get, path);
  ASSERT_NE(m.handler, nullptr);
  ASSERT_EQ(m.params.size(), 2U);
  EXPECT_EQ(m.params[0], (std::pair<std::string_view, std::string_view>{"room", "r1"}));
  EXPECT_EQ(m.params[1], (std::pair<std::string_view, std::string_view>{"user", "u2"}));
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  for (const std::string path : {"/", "/api", "/api/video-call", "/api/video-call/nope",
                                 "/api/video-call/session/x/media/extra", "/API/video-call/history"}) {
    const auto m = router_.match(verb::get, path);
    EXPECT_EQ(m.handler, nullptr) << path;
    EXPECT_FALSE(m.path_known) << path;
    EXPECT_EQ(m.allow, "") << path;
  }
}

TEST_F(RouterTest, KnownPathWithAnotherMethodIsNotAllowedWithAllow) {
  const std::string path = "/api/video-call/initiate";
  const auto m = router_.match(verb::get, path);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allow, "POST");
  EXPECT_TRUE(m.params.empty());
}

TEST_F(RouterTest, AllowListsEveryMethodOfThePathInRegistrationOrder) {
  Router<int> r;
  r.add(verb::get, "/items/:id", 1);
  r.add(verb::put, "/items/:id", 2);
  r.add(verb::delete_, "/items/:id", 3);
  r.add(verb::post, "/items", 4);  // another path: not listed
  const std::string path = "/items/7";
  const auto m = r.match(verb::post, path);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allow, "GET, PUT, DELETE");

  const auto found = r.match(verb::put, path);
  ASSERT_NE(found.handler, nullptr);
  EXPECT_EQ(*found.handler, 2);
  EXPECT_EQ(found.allow, "GET, PUT, DELETE");  // filled on a match too
}

TEST_F(RouterTest, TheFirstRegisteredRouteWinsWhenTwoMatch) {
  Router<std::string> r;
  r.add(verb::get, "/calls/history", "literal");
  r.add(verb::get, "/calls/:id", "param");
  EXPECT_EQ(*r.match(verb::get, std::string("/calls/history")).handler, "literal");
  const std::string path = "/calls/call_1";
  EXPECT_EQ(*r.match(verb::get, path).handler, "param");
}

TEST_F(RouterTest, AParamNeverMatchesAnEmptySegment) {
  EXPECT_EQ(handler(verb::post, "/api/video-call/join/"), "");
  EXPECT_EQ(handler(verb::post, "/api/video-call/session//end"), "");
}

TEST_F(RouterTest, EmptySegmentsAreIgnored) {
  // Repeated and trailing slashes do not make another path.
  EXPECT_EQ(handler(verb::get, "/api/video-call/history/"), "history");
  EXPECT_EQ(handler(verb::get, "//api//video-call/history"), "history");
}

TEST_F(RouterTest, ParamNamesStayValidAfterManyMoreRoutes) {
  // Adding routes reallocates the route table, moving the patterns; a short pattern lives inside its string
  // (small-string optimisation), so the names in a match must be re-pointed (ASan catches a dangling view).
  Router<int> r;
  r.add(verb::get, "/f/:name", 0);
  for (int i = 1; i < 100; ++i) r.add(verb::get, "/r" + std::to_string(i) + "/:p", i);
  const std::string path = "/f/value";
  const auto m = r.match(verb::get, path);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(*m.handler, 0);
  ASSERT_EQ(m.params.size(), 1U);
  EXPECT_EQ(m.params[0].first, "name");
  EXPECT_EQ(m.params[0].second, "value");
  EXPECT_EQ(*r.match(verb::get, std::string("/r99/x")).handler, 99);
}

}  // namespace
}  // namespace hearth::http
