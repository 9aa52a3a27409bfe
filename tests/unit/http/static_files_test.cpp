#include "http/static_files.hpp"

// The web client's files: which files of a web root are loaded (and so owned), and how they are served — content
// types, ETag and 304, HEAD, 405. Each test builds a web root in a temporary folder, laid out as the loader expects:
// <project>/web/ and the Socket.IO client in <project>/node_modules/socket.io-client/dist/.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/beast/http/field.hpp>

namespace hearth::http {
namespace {
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using namespace std::string_literals;

// A temporary project folder, removed with everything in it.
class Project {
 public:
  Project()
      : root_(fs::temp_directory_path() /
              ("hearth-static-test-" + std::to_string(::getpid()) + "-" + std::to_string(next_++))) {
    fs::create_directories(root_ / "web");
  }
  ~Project() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  Project(const Project&) = delete;
  Project& operator=(const Project&) = delete;

  void write(const fs::path& relative, const std::string& content) const {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative, std::ios::binary) << content;
  }
  void socket_io_client(const fs::path& base = "node_modules") const {
    write(base / "socket.io-client/dist/socket.io.esm.min.js", "export const io = 1;");
    write(base / "socket.io-client/dist/socket.io.min.js", "var io = 1;");
    write(base / "socket.io-client/dist/socket.io.min.js.map", R"({"version":3})");
  }
  const fs::path& root() const { return root_; }
  fs::path web() const { return root_ / "web"; }

 private:
  static inline int next_ = 0;
  fs::path root_;
};

const std::string kIndex = "<!doctype html><title>hearth</title>";
const std::string kPng = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR"s;  // binary, with NUL bytes

// A web root with the page's files and everything the loader must leave out.
void build_site(const Project& p) {
  p.write("web/index.html", kIndex);
  p.write("web/app.js", "console.log('app');");
  p.write("web/style.css", "body { margin: 0 }");
  p.write("web/js/call.mjs", "export const call = 1;");
  p.write("web/icons/logo.png", kPng);
  p.socket_io_client();
  // Left out: dot files and folders, other file types, odd names, node_modules, symbolic links.
  p.write("web/.env.js", "secret");
  p.write("web/.git/config.js", "secret");
  p.write("web/server.php", "<?php ?>");
  p.write("web/README.md", "# readme");
  p.write("web/bad name.js", "odd");
  p.write("web/node_modules/left-pad/index.js", "module.exports = 1;");
  p.write("outside.js", "secret");
  p.write("outside/inner.js", "secret");
  fs::create_symlink(p.root() / "outside.js", p.web() / "link.js");
  fs::create_symlink(p.root() / "outside", p.web() / "linked");
}

net::Request request(bhttp::verb method, std::string_view target, std::string_view if_none_match = {}) {
  net::Request req{method, target, 11};
  if (!if_none_match.empty()) req.set(bhttp::field::if_none_match, if_none_match);
  return req;
}

net::Response serve(StaticFiles& files, net::Request req) {
  int calls = 0;
  net::Response out;
  files.handle_http(std::move(req), net::ConnectionInfo{}, net::Responder([&](net::Response res) {
                      ++calls;
                      out = std::move(res);
                    }));
  EXPECT_EQ(calls, 1);
  return out;
}

class LoadedSite : public ::testing::Test {
 protected:
  void SetUp() override {
    build_site(project_);
    files_ = StaticFiles::load(project_.web(), false);
    ASSERT_NE(files_, nullptr);
  }
  net::Response get(std::string_view target, std::string_view if_none_match = {}) {
    return serve(*files_, request(bhttp::verb::get, target, if_none_match));
  }

  Project project_;
  std::unique_ptr<StaticFiles> files_;
};

// --- What is loaded ---

TEST_F(LoadedSite, OwnsExactlyTheAllowedFiles) {
  for (const char* path :
       {"/index.html", "/app.js", "/style.css", "/js/call.mjs", "/icons/logo.png", "/socket.io/socket.io.esm.min.js",
        "/socket.io/socket.io.min.js", "/socket.io/socket.io.min.js.map"}) {
    EXPECT_TRUE(files_->owns(path)) << path;
  }
  EXPECT_EQ(files_->file_count(), 8u);
}

TEST_F(LoadedSite, LeavesOutDotFilesOtherTypesNodeModulesAndLinks) {
  for (const char* path : {"/.env.js", "/.git/config.js", "/server.php", "/README.md", "/bad name.js", "/bad%20name.js",
                           "/node_modules/left-pad/index.js", "/link.js", "/linked/inner.js", "/outside.js",
                           "/node_modules/socket.io-client/dist/socket.io.min.js"}) {
    EXPECT_FALSE(files_->owns(path)) << path;
  }
}

TEST_F(LoadedSite, OwnsOnlyExactPaths) {
  for (const char* path : {"/../x", "/../outside.js", "/%2e%2e/", "/%2e%2e/outside.js", "/socket.io/?EIO=4",
                           "/socket.io/", "/socket.io", "/index.html/", "//index.html", "/./index.html",
                           "/js/../index.html", "/%69ndex.html", "/INDEX.HTML", "index.html", "", "/js", "/js/"}) {
    EXPECT_FALSE(files_->owns(path)) << path;
  }
}

TEST_F(LoadedSite, OwnsTheRootAndPathsWithAQuery) {
  for (const char* path : {"/", "/?room=1", "/index.html?v=2", "/app.js?", "/socket.io/socket.io.min.js?v=4"}) {
    EXPECT_TRUE(files_->owns(path)) << path;
  }
}

// --- How it is served ---

TEST_F(LoadedSite, ServesEachFileWithItsContentType) {
  struct Expected {
    const char* path;
    std::string body;
    const char* content_type;
  };
  for (const Expected& e : {
           Expected{"/index.html", kIndex, "text/html; charset=utf-8"},
           Expected{"/", kIndex, "text/html; charset=utf-8"},
           Expected{"/app.js", "console.log('app');", "text/javascript; charset=utf-8"},
           Expected{"/style.css", "body { margin: 0 }", "text/css; charset=utf-8"},
           Expected{"/js/call.mjs", "export const call = 1;", "text/javascript; charset=utf-8"},
           Expected{"/icons/logo.png", kPng, "image/png"},
           Expected{"/socket.io/socket.io.min.js", "var io = 1;", "text/javascript; charset=utf-8"},
           Expected{"/socket.io/socket.io.min.js.map", R"({"version":3})", "application/json; charset=utf-8"},
       }) {
    const auto res = get(e.path);
    EXPECT_EQ(res.result(), bhttp::status::ok) << e.path;
    EXPECT_EQ(res.body(), e.body) << e.path;
    EXPECT_EQ(res[bhttp::field::content_type], e.content_type) << e.path;
    EXPECT_EQ(res[bhttp::field::cache_control], "no-cache") << e.path;
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff") << e.path;
  }
}

TEST_F(LoadedSite, OnlyThePageGetsTheContentSecurityPolicy) {
  const auto page = get("/index.html");
  EXPECT_NE(page["Content-Security-Policy"].find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(page["Referrer-Policy"], "no-referrer");
  const auto script = get("/app.js");
  EXPECT_EQ(script.count("Content-Security-Policy"), 0u);
  EXPECT_EQ(script.count("Referrer-Policy"), 0u);
}

TEST_F(LoadedSite, ETagIsAQuotedHashOfTheContent) {
  const std::string etag(get("/app.js")[bhttp::field::etag]);
  ASSERT_EQ(etag.size(), 18u) << etag;
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.back(), '"');
  EXPECT_EQ(etag.find_first_not_of("0123456789abcdef", 1), 17u) << etag;
  EXPECT_NE(get("/style.css")[bhttp::field::etag], etag);

  // The same content has the same tag, in another file and in another load: a restart does not invalidate caches.
  Project other;
  build_site(other);
  other.write("web/copy.js", "console.log('app');");
  const auto reloaded = StaticFiles::load(other.web(), false);
  ASSERT_NE(reloaded, nullptr);
  EXPECT_EQ(serve(*reloaded, request(bhttp::verb::get, "/app.js"))[bhttp::field::etag], etag);
  EXPECT_EQ(serve(*reloaded, request(bhttp::verb::get, "/copy.js"))[bhttp::field::etag], etag);
}

TEST_F(LoadedSite, MatchingIfNoneMatchIsNotModified) {
  const std::string etag(get("/app.js")[bhttp::field::etag]);
  for (const std::string& header : {etag, "W/" + etag, "\"0000000000000000\", " + etag, " " + etag + " ", "*"s}) {
    const auto res = get("/app.js", header);
    EXPECT_EQ(res.result(), bhttp::status::not_modified) << header;
    EXPECT_EQ(res.body(), "") << header;
    EXPECT_EQ(res[bhttp::field::etag], etag) << header;
    EXPECT_EQ(res[bhttp::field::cache_control], "no-cache") << header;
  }
}

TEST_F(LoadedSite, OtherIfNoneMatchIsServedInFull) {
  const std::string etag(get("/app.js")[bhttp::field::etag]);
  for (const std::string& header : {"\"0000000000000000\""s, etag.substr(1), etag.substr(0, 17), "W/"s, ","s}) {
    const auto res = get("/app.js", header);
    EXPECT_EQ(res.result(), bhttp::status::ok) << header;
    EXPECT_EQ(res.body(), "console.log('app');") << header;
  }
}

TEST_F(LoadedSite, HeadHasTheHeadersWithoutTheBody) {
  const auto get_res = get("/style.css");
  const auto res = serve(*files_, request(bhttp::verb::head, "/style.css"));
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(res.body(), "");
  EXPECT_EQ(res[bhttp::field::content_length], std::to_string(get_res.body().size()));
  EXPECT_EQ(res[bhttp::field::content_type], "text/css; charset=utf-8");
  EXPECT_EQ(res[bhttp::field::etag], get_res[bhttp::field::etag]);
  const auto cached = serve(*files_, request(bhttp::verb::head, "/style.css", get_res[bhttp::field::etag]));
  EXPECT_EQ(cached.result(), bhttp::status::not_modified);
}

TEST_F(LoadedSite, OtherMethodsAreNotAllowed) {
  for (const auto method :
       {bhttp::verb::post, bhttp::verb::put, bhttp::verb::delete_, bhttp::verb::patch, bhttp::verb::options}) {
    const auto res = serve(*files_, request(method, "/index.html"));
    EXPECT_EQ(res.result(), bhttp::status::method_not_allowed) << bhttp::to_string(method);
    EXPECT_EQ(res[bhttp::field::allow], "GET, HEAD");
    EXPECT_EQ(res.body().find(kIndex), std::string::npos);
  }
}

TEST_F(LoadedSite, AnswersInTheRequestsHttpVersion) {
  auto req = request(bhttp::verb::get, "/app.js");
  req.version(10);
  EXPECT_EQ(serve(*files_, std::move(req)).version(), 10u);
}

// --- Content-hashed names and compressed copies ---

// A site whose page names its assets and loads a module that imports another one.
class HashedSite : public ::testing::Test {
 protected:
  void SetUp() override {
    project_.write("web/index.html",
                   "<!doctype html><link rel=\"stylesheet\" href=\"/css/app.css\">"
                   "<script type=\"module\" src=\"/js/app.js\"></script>");
    project_.write("web/js/app.js", "import { f } from './lib.js';\n" + std::string(3000, ' ') + "f();");
    project_.write("web/js/lib.js", "export const f = () => 1;");
    project_.write("web/css/app.css", "body { margin: 0 }");
    project_.socket_io_client();
    files_ = StaticFiles::load(project_.web(), false);
    ASSERT_NE(files_, nullptr);
  }
  net::Response get(std::string_view target, std::string_view accept_encoding = {}, std::string_view inm = {}) {
    auto req = request(bhttp::verb::get, target, inm);
    if (!accept_encoding.empty()) req.set(bhttp::field::accept_encoding, accept_encoding);
    return serve(*files_, std::move(req));
  }
  // The hashed URL the page gives for `attr_start` (e.g. "href=\"/css/app.").
  std::string named_in_page(std::string_view attr_start) {
    const std::string page = get("/").body();
    const auto at = page.find(attr_start);
    EXPECT_NE(at, std::string::npos) << page;
    if (at == std::string::npos) return {};
    const auto begin = page.find('"', at) + 1;
    return page.substr(begin, page.find('"', begin) - begin);
  }

  Project project_;
  std::unique_ptr<StaticFiles> files_;
};

TEST_F(HashedSite, ThePageNamesHashedAssetsServedImmutable) {
  const std::string css = named_in_page("href=\"/css/app.");
  const std::string js = named_in_page("src=\"/js/app.");
  EXPECT_NE(css, "/css/app.css");
  EXPECT_NE(js, "/js/app.js");
  for (const auto& [path, body] : {std::pair{css, "body { margin: 0 }"s}, std::pair{js, get("/js/app.js").body()}}) {
    const auto res = get(path);
    EXPECT_EQ(res.result(), bhttp::status::ok) << path;
    EXPECT_EQ(res.body(), body) << path;
    EXPECT_EQ(res[bhttp::field::cache_control], "public, max-age=31536000, immutable") << path;
  }
  // The page and the plain names still revalidate.
  EXPECT_EQ(get("/")[bhttp::field::cache_control], "no-cache");
  EXPECT_EQ(get("/css/app.css")[bhttp::field::cache_control], "no-cache");
  EXPECT_EQ(files_->file_count(), 7u);  // 4 of the site, 3 of the Socket.IO client
}

TEST_F(HashedSite, ModulesAreMappedAndTheMapIsAllowedByItsHash) {
  const auto page = get("/");
  const std::string html = page.body();
  const auto map_at = html.find("<script type=\"importmap\">");
  ASSERT_NE(map_at, std::string::npos) << html;
  EXPECT_LT(map_at, html.find("<script type=\"module\""));
  const auto lib = html.find("\"/js/lib.js\":\"/js/lib.");
  EXPECT_NE(lib, std::string::npos) << html;
  EXPECT_NE(html.find("\"/socket.io/socket.io.esm.min.js\":\"/socket.io/socket.io.esm.min."), std::string::npos);
  const std::string policy(page["Content-Security-Policy"]);
  EXPECT_NE(policy.find("script-src 'self' 'sha256-"), std::string::npos) << policy;
  // The mapped module is served under its hashed name.
  const auto begin = html.find("\"/js/lib.", lib + 12) + 1;
  const std::string hashed = html.substr(begin, html.find('"', begin) - begin);
  EXPECT_EQ(get(hashed).body(), "export const f = () => 1;") << hashed;
}

TEST_F(HashedSite, ANewVersionGetsANewNameAndTheOldOneIsGone) {
  const std::string before = named_in_page("href=\"/css/app.");
  project_.write("web/css/app.css", "body { margin: 1px }");
  files_ = StaticFiles::load(project_.web(), false);
  ASSERT_NE(files_, nullptr);
  const std::string after = named_in_page("href=\"/css/app.");
  EXPECT_NE(after, before);
  EXPECT_TRUE(files_->owns(after));
  EXPECT_FALSE(files_->owns(before));  // never an old body under a name a cache may hold for a year
}

TEST_F(HashedSite, LargeTextIsCompressedByAcceptEncoding) {
  const std::string plain = get("/js/app.js").body();
  const auto br = get("/js/app.js", "gzip, deflate, br");
  EXPECT_EQ(br[bhttp::field::content_encoding], "br");
  EXPECT_LT(br.body().size(), plain.size() / 4);
  EXPECT_EQ(br[bhttp::field::vary], "Accept-Encoding");
  const auto gz = get("/js/app.js", "gzip");
  EXPECT_EQ(gz[bhttp::field::content_encoding], "gzip");
  EXPECT_LT(gz.body().size(), plain.size() / 4);
  const auto identity = get("/js/app.js", "identity");
  EXPECT_EQ(identity.count(bhttp::field::content_encoding), 0u);
  EXPECT_EQ(identity.body(), plain);
  // Each representation has its own ETag, and a 304 only for its own.
  const std::string etag(identity[bhttp::field::etag]);
  EXPECT_NE(br[bhttp::field::etag], etag);
  EXPECT_NE(gz[bhttp::field::etag], br[bhttp::field::etag]);
  EXPECT_EQ(get("/js/app.js", "br", br[bhttp::field::etag]).result(), bhttp::status::not_modified);
  EXPECT_EQ(get("/js/app.js", "br", etag).result(), bhttp::status::ok);
  // HEAD: the length of what GET would send.
  auto head = request(bhttp::verb::head, "/js/app.js");
  head.set(bhttp::field::accept_encoding, "br");
  EXPECT_EQ(serve(*files_, std::move(head))[bhttp::field::content_length], std::to_string(br.body().size()));
  // Small files are not worth it.
  const auto small = get("/js/lib.js", "br, gzip");
  EXPECT_EQ(small.count(bhttp::field::content_encoding), 0u);
  EXPECT_EQ(small.count(bhttp::field::vary), 0u);
}

// --- The admin dashboard's address ---

TEST(StaticFilesAdmin, AdminIsTheAdminPage) {
  Project p;
  build_site(p);
  const std::string admin = "<!doctype html><title>admin</title>";
  p.write("web/admin.html", admin);
  const auto files = StaticFiles::load(p.web(), false);
  ASSERT_NE(files, nullptr);
  for (const char* path : {"/admin", "/admin?from=2026-12-01T00:00:00Z&granularity=day", "/admin.html"}) {
    EXPECT_TRUE(files->owns(path)) << path;
    const auto res = serve(*files, request(bhttp::verb::get, path));
    EXPECT_EQ(res.result(), bhttp::status::ok) << path;
    EXPECT_EQ(res.body(), admin) << path;
    EXPECT_EQ(res[bhttp::field::content_type], "text/html; charset=utf-8") << path;
    EXPECT_NE(res["Content-Security-Policy"].find("default-src 'self'"), std::string::npos) << path;
  }
  // Only that exact address: nothing below it, no other spelling; the root is still the call page.
  for (const char* path : {"/admin/", "/admin/x", "/Admin", "/ADMIN", "/admin.htm", "//admin", "/js/admin"})
    EXPECT_FALSE(files->owns(path)) << path;
  EXPECT_EQ(serve(*files, request(bhttp::verb::get, "/")).body(), kIndex);
  const std::string etag(serve(*files, request(bhttp::verb::get, "/admin.html"))[bhttp::field::etag]);
  EXPECT_EQ(serve(*files, request(bhttp::verb::get, "/admin", etag)).result(), bhttp::status::not_modified);
  EXPECT_EQ(serve(*files, request(bhttp::verb::post, "/admin")).result(), bhttp::status::method_not_allowed);
}

TEST_F(LoadedSite, WithoutAdminHtmlAdminIsNotOwned) {
  // The router then answers the API's JSON 404, as for any unknown path.
  EXPECT_FALSE(files_->owns("/admin"));
  EXPECT_FALSE(files_->owns("/admin.html"));
}

// --- When there is nothing to serve ---

TEST(StaticFilesLoad, WithoutIndexHtmlIsNull) {
  Project p;
  build_site(p);
  fs::remove(p.web() / "index.html");
  EXPECT_EQ(StaticFiles::load(p.web(), false), nullptr);
  EXPECT_EQ(StaticFiles::load(p.root() / "missing", false), nullptr);
  EXPECT_EQ(StaticFiles::load({}, false), nullptr);
}

TEST(StaticFilesLoad, WithoutTheSocketIoClientIsNull) {
  Project p;
  p.write("web/index.html", kIndex);
  EXPECT_EQ(StaticFiles::load(p.web(), false), nullptr);
  // The page imports the ES module build: the other builds alone are not enough.
  p.write("node_modules/socket.io-client/dist/socket.io.min.js", "var io = 1;");
  EXPECT_EQ(StaticFiles::load(p.web(), false), nullptr);
  p.write("node_modules/socket.io-client/dist/socket.io.esm.min.js", "export const io = 1;");
  EXPECT_NE(StaticFiles::load(p.web(), false), nullptr);
}

TEST(StaticFilesLoad, FindsTheSocketIoClientInsideTheWebRoot) {
  Project p;
  p.write("web/index.html", kIndex);
  p.socket_io_client("web/node_modules");
  const auto files = StaticFiles::load(p.web(), false);
  ASSERT_NE(files, nullptr);
  EXPECT_TRUE(files->owns("/socket.io/socket.io.esm.min.js"));
  EXPECT_FALSE(files->owns("/node_modules/socket.io-client/dist/socket.io.esm.min.js"));
  EXPECT_EQ(files->file_count(), 4u);
}

TEST(StaticFilesLoad, WebRootWithATrailingSlash) {
  // WEB_ROOT=/srv/hearth/web/ names the same folder as /srv/hearth/web: the client in ../node_modules is found.
  Project p;
  build_site(p);
  const auto files = StaticFiles::load(p.web().string() + "/", false);
  ASSERT_NE(files, nullptr);
  EXPECT_TRUE(files->owns("/app.js"));
  EXPECT_TRUE(files->owns("/socket.io/socket.io.esm.min.js"));
}

}  // namespace
}  // namespace hearth::http
