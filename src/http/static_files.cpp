#include "http/static_files.hpp"

#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <boost/beast/http/field.hpp>

#include "core/result.hpp"
#include "http/asset_names.hpp"
#include "http/compression.hpp"
#include "http/response.hpp"

namespace hearth::http {
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;

namespace {

// Limits: the page is a handful of small files; anything bigger is a misconfigured WEB_ROOT.
constexpr std::uintmax_t kMaxFileBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxFiles = 500;

// The only file types served; everything else in the web root is ignored.
constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kContentTypes{{
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".map", "application/json; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
}};

// The page may load scripts, styles and images only from this server, and connect only back to it. Its one inline
// script, the import map, is allowed by its hash.
std::string page_policy(std::string_view import_map_hash) {
  std::string policy = "default-src 'self'; ";
  if (!import_map_hash.empty()) fmt::format_to(std::back_inserter(policy), "script-src 'self' {}; ", import_map_hash);
  policy +=
      "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; "
      "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  return policy;
}

// Compressed copies pay for text files of some size only.
constexpr std::size_t kCompressMinBytes = 1024;
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

bool is_page(const StaticFile& f) { return f.content_type.starts_with("text/html"); }

bool is_text(const StaticFile& f) {
  return f.content_type.starts_with("text/") || f.content_type.starts_with("application/json") ||
         f.content_type.starts_with("application/manifest+json") || f.content_type.starts_with("image/svg+xml");
}

void compress(StaticFile& f) {
  // Source maps are fetched by developer tools only: not worth the start-up time.
  if (!is_text(f) || f.body.size() < kCompressMinBytes || f.content_type.starts_with("application/json")) return;
  // Kept only when it saves something worth the Vary.
  if (auto gz = gzip_compress(f.body); gz && gz->size() + 64 < f.body.size()) f.gzip = std::move(*gz);
  if (auto br = brotli_compress(f.body); br && br->size() + 64 < f.body.size()) f.brotli = std::move(*br);
}

// The pages' own addresses: the call page at the root, the admin dashboard at /admin (when admin.html exists).
constexpr std::array<std::pair<std::string_view, std::string_view>, 2> kPageAliases{{
    {"/", "/index.html"},
    {"/admin", "/admin.html"},
}};

// The Socket.IO browser client, under the URL the Node server uses.
constexpr std::array<std::string_view, 6> kSocketIoFiles{"socket.io.js",         "socket.io.js.map",
                                                         "socket.io.min.js",     "socket.io.min.js.map",
                                                         "socket.io.esm.min.js", "socket.io.esm.min.js.map"};

std::optional<std::string_view> content_type_for(const fs::path& file) {
  const std::string ext = file.extension().string();
  for (const auto& [e, type] : kContentTypes)
    if (e == ext) return type;
  return std::nullopt;
}

// URL paths are built from file names, so keep those to a plain, unambiguous character set.
bool is_plain_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) return false;
  return true;
}

std::string etag_of(std::string_view body) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a: stable across runs, unlike std::hash
  for (unsigned char c : body) h = (h ^ c) * 1099511628211ull;
  return fmt::format("\"{:016x}\"", h);
}

std::optional<StaticFile> read_file(const fs::path& path, std::string_view content_type) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size > kMaxFileBytes) {
    spdlog::warn("web: skipping {} ({})", path.string(), ec ? ec.message() : "larger than 4 MiB");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream body;
  if (!in || !(body << in.rdbuf())) return std::nullopt;
  StaticFile f;
  f.body = body.str();
  f.content_type = content_type;
  f.etag = etag_of(f.body);
  return f;
}

// Every regular file under `root` with an allowed type, by URL path; no symbolic links followed.
void load_tree(const fs::path& root, std::unordered_map<std::string, StaticFile>& files) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!is_plain_name(name) || name == "node_modules") {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->is_symlink()) continue;
    const auto type = content_type_for(it->path());
    if (!type) continue;
    if (files.size() >= kMaxFiles) {
      spdlog::warn("web: more than {} files under {}; the rest are not served", kMaxFiles, root.string());
      return;
    }
    auto file = read_file(it->path(), *type);
    if (file) files.emplace("/" + it->path().lexically_relative(root).generic_string(), std::move(*file));
  }
  if (ec) spdlog::warn("web: cannot read {}: {}", root.string(), ec.message());
}

std::optional<fs::path> find_socket_io_client(const fs::path& web_root) {
  // lexically_normal turns "web/" into "web/" and parent_path of that would be "web" itself: drop the empty
  // last element first, so a trailing slash finds the project's node_modules too.
  fs::path root = web_root.lexically_normal();
  if (!root.has_filename()) root = root.parent_path();
  for (const auto& base : {root / "node_modules", root.parent_path() / "node_modules"}) {
    auto dist = base / "socket.io-client" / "dist";
    std::error_code ec;
    if (fs::is_regular_file(dist / "socket.io.esm.min.js", ec)) return dist;
  }
  return std::nullopt;
}

// True when an If-None-Match header lists `etag` (or is "*"); weak comparison, as RFC 9110 asks for it.
bool matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    auto tag = if_none_match.substr(0, comma);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::unique_ptr<StaticFiles> StaticFiles::load(const fs::path& web_root, bool development) {
  std::error_code ec;
  if (web_root.empty() || !fs::is_regular_file(web_root / "index.html", ec)) {
    spdlog::warn("web client not served: no index.html in the web root '{}' (set WEB_ROOT)", web_root.string());
    return nullptr;
  }
  const auto sio = find_socket_io_client(web_root);
  if (!sio) {
    spdlog::warn("web client not served: socket.io-client not found in {}/../node_modules (run npm ci)",
                 web_root.string());
    return nullptr;
  }
  std::unordered_map<std::string, StaticFile> files;
  load_tree(web_root, files);
  for (auto name : kSocketIoFiles)
    if (auto type = content_type_for(fs::path(name)))
      if (auto file = read_file(*sio / name, *type)) files.emplace("/socket.io/" + std::string(name), std::move(*file));
  if (!files.contains("/socket.io/socket.io.esm.min.js")) {
    spdlog::warn("web client not served: cannot read the Socket.IO client in {}", sio->string());
    return nullptr;
  }
  spdlog::info("web client: {} file(s) from {}", files.size(), fs::weakly_canonical(web_root, ec).string());
  auto loaded = std::make_unique<StaticFiles>(std::move(files), development);
  // Reading and compressing freed far more than is kept: give it back rather than carry it in the heap.
  ::malloc_trim(0);
  return loaded;
}

StaticFiles::StaticFiles(std::unordered_map<std::string, StaticFile> files, bool development)
    : file_count_(files.size()), development_(development) {
  // Assets first (their hashed names), then the pages that name them.
  std::map<std::string, std::string> hashed;
  for (const auto& [path, file] : files)
    if (!is_page(file)) hashed.emplace(path, hashed_path(path, file.body));
  for (auto& [path, file] : files) {
    if (is_page(file)) {
      auto page = rewrite_page(file.body, hashed);
      file.body = std::move(page.html);
      file.etag = etag_of(file.body);
      file.policy = page_policy(page.import_map_hash);
    }
    compress(file);
    auto shared = std::make_shared<const StaticFile>(std::move(file));
    if (const auto it = hashed.find(path); it != hashed.end()) files_.emplace(it->second, Entry{shared, true});
    files_.emplace(path, Entry{std::move(shared), false});
  }
}

const StaticFiles::Entry* StaticFiles::find(std::string_view target) const {
  std::string path(target.substr(0, target.find('?')));
  for (const auto& [alias, file] : kPageAliases)
    if (path == alias) path = file;
  const auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

bool StaticFiles::owns(std::string_view target) const { return find(target) != nullptr; }

void StaticFiles::handle_http(net::Request req, const net::ConnectionInfo&, const net::Responder& respond) {
  const Entry* entry = find(req.target());
  const bool head = req.method() == bhttp::verb::head;
  if (!entry || (!head && req.method() != bhttp::verb::get)) {
    auto res = error_response(make_error(errc::method_not_allowed, "Method not allowed"), development_);
    res.set(bhttp::field::allow, "GET, HEAD");
    return respond(std::move(res));
  }
  const StaticFile& file = *entry->file;
  const auto coding = choose_coding(req[bhttp::field::accept_encoding], !file.brotli.empty(), !file.gzip.empty());
  const std::string& body = coding == ContentCoding::br     ? file.brotli
                            : coding == ContentCoding::gzip ? file.gzip
                                                            : file.body;
  // Each representation has its own validator (RFC 9110 8.8.3): the plain ETag with the coding inside the quotes.
  std::string etag = file.etag;
  if (coding != ContentCoding::identity) etag.insert(etag.size() - 1, fmt::format("-{}", to_string(coding)));
  const bool not_modified = matches(req[bhttp::field::if_none_match], etag);
  net::Response res{not_modified ? bhttp::status::not_modified : bhttp::status::ok, req.version()};
  res.set(bhttp::field::etag, etag);
  // Hashed names never change; plain names and the pages always revalidate (the ETag makes that a cheap 304).
  res.set(bhttp::field::cache_control, entry->immutable ? kImmutable : "no-cache");
  if (!file.gzip.empty() || !file.brotli.empty()) res.set(bhttp::field::vary, "Accept-Encoding");
  res.set("X-Content-Type-Options", "nosniff");
  if (is_page(file)) {
    res.set("Content-Security-Policy", file.policy);
    res.set("Referrer-Policy", "no-referrer");
  }
  if (!not_modified) {
    res.set(bhttp::field::content_type, file.content_type);
    if (coding != ContentCoding::identity) res.set(bhttp::field::content_encoding, to_string(coding));
    // HEAD: the same headers as GET, its Content-Length included, without the body (RFC 9110 9.3.2).
    if (head)
      res.content_length(body.size());
    else
      res.body() = body;
  }
  respond(std::move(res));
}

std::optional<net::Response> StaticFiles::upgrade_refusal(const net::Request& req, const net::ConnectionInfo&) {
  auto res = error_response(make_error(errc::not_found, "Route not found"), development_);
  res.version(req.version());
  return res;
}

fs::path find_web_root() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "web");
  candidates.push_back(fs::current_path(ec) / "web");
  for (const auto& dir : candidates)
    if (fs::is_regular_file(dir / "index.html", ec)) return fs::weakly_canonical(dir, ec);
  return {};
}

}  // namespace hearth::http
