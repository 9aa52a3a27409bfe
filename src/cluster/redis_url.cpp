#include "cluster/redis_url.hpp"

#include <charconv>

#include <boost/url/parse.hpp>

namespace hearth::cluster {

namespace urls = boost::urls;

namespace {

Error bad(std::string why) {
  return make_error(errc::invalid_argument,
                    "REDIS_URL: " + std::move(why) + " (expected redis://[[user]:password@]host[:port][/db])");
}

}  // namespace

std::string RedisUrl::redacted() const {
  std::string out = "redis://";
  if (!user.empty() || !password.empty()) out += user + (password.empty() ? "@" : ":***@");
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ':' + std::to_string(port);
  if (db != 0) out += '/' + std::to_string(db);
  return out;
}

Result<RedisUrl> parse_redis_url(std::string_view text) {
  if (text.empty()) return bad("empty");
  if (text.size() > max_redis_url_length) return bad("longer than " + std::to_string(max_redis_url_length) + " bytes");
  auto parsed = urls::parse_uri(text);
  if (!parsed) return bad("not a URL (" + parsed.error().message() + ")");
  const urls::url_view& u = *parsed;
  if (u.scheme() == "rediss") return bad("TLS (rediss://) is not supported");
  if (u.scheme() != "redis") return bad("scheme must be redis://, not " + std::string(u.scheme()) + "://");
  if (u.has_query() || u.has_fragment()) return bad("no query or fragment allowed");
  RedisUrl out;
  switch (u.host_type()) {
    case urls::host_type::name:
    case urls::host_type::ipv4:
    case urls::host_type::ipv6:
      out.host = u.host_address();
      break;
    default:
      break;
  }
  if (out.host.empty()) return bad("no host");
  if (u.has_port()) {
    const std::string_view text_port = u.port();
    int port = 0;
    auto [end, ec] = std::from_chars(text_port.data(), text_port.data() + text_port.size(), port);
    if (ec != std::errc{} || end != text_port.data() + text_port.size() || port < 1 || port > 65535)
      return bad("port must be 1 to 65535, not '" + std::string(text_port) + "'");
    out.port = static_cast<std::uint16_t>(port);
  }
  if (u.has_userinfo()) {
    out.user = u.user();
    if (u.has_password()) out.password = u.password();
    if (!out.user.empty() && out.password.empty()) return bad("a user name needs a password");
  }
  const std::string_view path = u.encoded_path();
  if (!path.empty() && path != "/") {
    const std::string_view digits = path.substr(1);
    int db = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), db);
    if (ec != std::errc{} || end != digits.data() + digits.size() || db < 0 || db > max_redis_db)
      return bad("the path must be a database number, not '" + std::string(path) + "'");
    out.db = db;
  }
  return out;
}

}  // namespace hearth::cluster
