#include "http/dev_token.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include "auth/jwt.hpp"
#include "auth/jwt_claims.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "http/api/request_parsing.hpp"
#include "http/response.hpp"
#include "http/static_files.hpp"

namespace hearth::http {
namespace bhttp = boost::beast::http;
namespace json = boost::json;

namespace {

struct DevUser {
  std::string user_id;
  std::string name;
};

Result<DevUser> parse_dev_user(std::string_view body) {
  auto v = parse_json_body(body);
  if (!v) return v.error();
  const auto& o = v->get_object();
  const auto* id = o.if_contains("userId");
  if (!id || !id->is_string() || !is_valid_id(id->get_string()))
    return make_error(errc::invalid_argument, "userId: must be a non-empty string of at most 128 characters");
  DevUser user{std::string(id->get_string()), {}};
  if (const auto* name = o.if_contains("name"); name && !name->is_null()) {
    if (!name->is_string() || name->get_string().size() > auth::kMaxNameBytes)
      return make_error(errc::invalid_argument, "name: must be a string of at most 256 characters");
    user.name = std::string(name->get_string());
  }
  if (user.name.empty()) user.name = user.user_id;
  return user;
}

}  // namespace

DevTokenEndpoint::DevTokenEndpoint(std::string jwt_secret, const Clock& clock, auth::ExpectedClaims claims)
    : secret_(std::move(jwt_secret)), clock_(clock), claims_(std::move(claims)) {}

bool DevTokenEndpoint::owns(std::string_view target) const { return target.substr(0, target.find('?')) == kPath; }

void DevTokenEndpoint::handle_http(net::Request req, const net::ConnectionInfo&, const net::Responder& respond) {
  if (req.method() != bhttp::verb::post) {
    auto res = error_response(make_error(errc::method_not_allowed, "Method not allowed"), true);
    res.set(bhttp::field::allow, "POST");
    return respond(std::move(res));
  }
  const auto content_type = req[bhttp::field::content_type];
  if (!content_type.starts_with("application/json"))
    return respond(
        error_response(make_error(errc::unsupported_media_type, "Content-Type must be application/json"), true));
  auto user = parse_dev_user(req.body());
  if (!user) return respond(error_response(user.error(), true));
  const std::string token =
      auth::mint_hs256(secret_, user->user_id, user->name, "user", std::chrono::seconds(kTtl), clock_.now(), claims_);
  json::object data{{"token", token},
                    {"userId", user->user_id},
                    {"name", user->name},
                    {"expiresIn", std::chrono::seconds(kTtl).count()}};
  respond(ok("Development token issued", std::move(data), bhttp::status::created));
}

std::optional<net::Response> DevTokenEndpoint::upgrade_refusal(const net::Request& req, const net::ConnectionInfo&) {
  auto res = error_response(make_error(errc::not_found, "Route not found"), true);
  res.version(req.version());
  return res;
}

}  // namespace hearth::http
