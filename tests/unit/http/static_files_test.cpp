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
