#include "http/asset_names.hpp"

// Content-hashed asset names and the page rewrite: hashed URLs in src/href, the import map for modules, and its CSP
// hash (checked against an independent SHA-256 of what was inserted).
#include <string>

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "core/base64.hpp"

namespace hearth::http {
namespace {

TEST(HashedPath, PutsTwelveHexDigitsBeforeTheExtension) {
  const auto a = hashed_path("/js/app.js", "one");
  EXPECT_TRUE(a.starts_with("/js/app.")) << a;
  EXPECT_TRUE(a.ends_with(".js")) << a;
  EXPECT_EQ(a.size(), std::string("/js/app..js").size() + 12);
  EXPECT_EQ(hashed_path("/js/app.js", "one"), a);  // stable
  EXPECT_NE(hashed_path("/js/app.js", "two"), a);  // follows the content
  EXPECT_TRUE(hashed_path("/socket.io/socket.io.esm.min.js", "x").starts_with("/socket.io/socket.io.esm.min."));
  EXPECT_TRUE(hashed_path("/js.d/LICENSE", "x").starts_with("/js.d/LICENSE."));  // no extension: appended
  EXPECT_TRUE(hashed_path("/.hidden", "x").starts_with("/.hidden."));
}

std::string sha256_source(std::string_view text) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d);
  std::string b64;
  append_base64(b64, std::string_view(reinterpret_cast<const char*>(d), sizeof d));
  return "'sha256-" + b64 + "'";
}

const std::map<std::string, std::string> kHashed = {
    {"/css/app.css", "/css/app.aaaaaaaaaaaa.css"},
    {"/js/app.js", "/js/app.bbbbbbbbbbbb.js"},
    {"/js/api.js", "/js/api.cccccccccccc.js"},
    {"/favicon.svg", "/favicon.dddddddddddd.svg"},
};

TEST(RewritePage, NamesHashedAssetsAndMapsModules) {
  const std::string page =
      "<head><link rel=\"icon\" href=\"/favicon.svg\"><link rel=\"stylesheet\" href=\"/css/app.css\">\n"
      "  <script type=\"module\" src=\"/js/app.js\"></script></head>"
      "<body><a href=\"/admin\">admin</a><img src=\"/js/app.js?v=1\"><a href=\"https://x/js/app.js\">x</a></body>";
  const auto out = rewrite_page(page, kHashed);
  EXPECT_NE(out.html.find("href=\"/favicon.dddddddddddd.svg\""), std::string::npos) << out.html;
  EXPECT_NE(out.html.find("href=\"/css/app.aaaaaaaaaaaa.css\""), std::string::npos);
  EXPECT_NE(out.html.find("<script type=\"module\" src=\"/js/app.bbbbbbbbbbbb.js\"></script>"), std::string::npos);
  // Unknown paths, queries and other hosts stay as they were.
  EXPECT_NE(out.html.find("href=\"/admin\""), std::string::npos);
  EXPECT_NE(out.html.find("src=\"/js/app.js?v=1\""), std::string::npos);
  EXPECT_NE(out.html.find("href=\"https://x/js/app.js\""), std::string::npos);

  const std::string map =
      R"({"imports":{"/js/api.js":"/js/api.cccccccccccc.js","/js/app.js":"/js/app.bbbbbbbbbbbb.js"}})";
  const auto at = out.html.find("<script type=\"importmap\">" + map + "</script>");
  ASSERT_NE(at, std::string::npos) << out.html;
  EXPECT_LT(at, out.html.find("<script type=\"module\""));  // a map must come before the first module
  EXPECT_EQ(out.import_map_hash, sha256_source(map));
  EXPECT_EQ(out.html.find("importmap", at + 30), std::string::npos);  // one map
}

TEST(RewritePage, NoModuleScriptNoMap) {
  const auto out = rewrite_page("<link href=\"/css/app.css\"><script src=\"/js/app.js\"></script>", kHashed);
  EXPECT_EQ(out.html, "<link href=\"/css/app.aaaaaaaaaaaa.css\"><script src=\"/js/app.bbbbbbbbbbbb.js\"></script>");
  EXPECT_TRUE(out.import_map_hash.empty());
}

TEST(RewritePage, SurvivesTruncatedAttributes) {
  for (const std::string page : {"<a href=\"/css/app.css", "<a href=\"/", "src=\"/js/app.js\" href=\"/x", ""}) {
    const auto out = rewrite_page(page, kHashed);
    EXPECT_LE(out.html.size(), page.size() + 64) << page;
  }
  EXPECT_EQ(rewrite_page("<a href=\"/css/app.css", kHashed).html, "<a href=\"/css/app.css");
}

}  // namespace
}  // namespace hearth::http
