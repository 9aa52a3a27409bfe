#pragma once
// The web client's files (web/) and the Socket.IO browser client (node_modules/socket.io-client/dist), read into
// memory once at start and served by exact path: GET and HEAD, Content-Type by extension, a strong ETag with
// If-None-Match (304); two pages also have a short address (/ is index.html, /admin is admin.html).
// Every asset is also served under a content-hashed name (asset_names.hpp) with Cache-Control: public,
// max-age=31536000, immutable, and the pages name only those (their own Cache-Control stays no-cache, as do the
// plain names). Text assets of 1 KiB or more (source maps
// aside) are kept brotli- and gzip-compressed too, chosen by Accept-Encoding.
// Nothing is ever read from disk per request, so a request path cannot reach a file that was not loaded (no traversal);
// paths it does not know fall through to the REST router, whose 404 has the API's JSON shape. Thread safety: immutable
// after load(); handle_http() runs on many connections at once, on several shards.
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>

#include "net/http_handler.hpp"

namespace hearth::http {

struct StaticFile {
  std::string body;
  std::string content_type;
  std::string etag;    // "\"<64-bit content hash in hex>\""
  std::string gzip;    // compressed copies; empty when not worth it
  std::string brotli;  //
  std::string policy;  // a page's Content-Security-Policy (its import map's hash included)
};

class StaticFiles final : public net::Endpoint {
 public:
  // Loads the page from `web_root` (files with an allowed extension; dot files and node_modules skipped) and the
  // Socket.IO client from <web_root>/node_modules or <web_root>/../node_modules. Returns nullptr after logging a
  // warning when index.html or the Socket.IO client is missing: the server then serves the API without the page.
  static std::unique_ptr<StaticFiles> load(const std::filesystem::path& web_root, bool development);

  // Adds the hashed names, rewrites the pages (.html) to use them, and compresses what is worth it.
  StaticFiles(std::unordered_map<std::string, StaticFile> files, bool development);

  bool owns(std::string_view target) const override;
  std::size_t body_limit() const override { return 0; }
  void handle_http(net::Request req, const net::ConnectionInfo& conn, const net::Responder& respond) override;
  // No WebSocket here: every upgrade is refused (404), so handle_upgrade() is never called.
  std::optional<net::Response> upgrade_refusal(const net::Request& req, const net::ConnectionInfo& conn) override;
  void handle_upgrade(boost::beast::tcp_stream, net::Request, const net::ConnectionInfo&,
                      net::ConnectionSlot) override {}

  std::size_t file_count() const { return file_count_; }  // files loaded (each may have two names)

 private:
  struct Entry {
    std::shared_ptr<const StaticFile> file;
    bool immutable = false;  // a content-hashed name
  };
  const Entry* find(std::string_view target) const;

  // By URL path ("/index.html", "/js/app.js", "/js/app.1f2e3d4c5b6a.js", ...); a file and its hashed name share one.
  std::unordered_map<std::string, Entry> files_;
  std::size_t file_count_ = 0;
  bool development_;
};

// The default web root: <directory of the executable>/../web, then ./web; empty when neither has an index.html.
std::filesystem::path find_web_root();

}  // namespace hearth::http
