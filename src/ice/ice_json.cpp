#include "ice/ice_json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/time_format.hpp"

namespace hearth::ice {

boost::json::array to_json(const std::vector<IceServer>& servers) {
  boost::json::array out;
  for (const auto& s : servers) {
    boost::json::array urls;
    for (const auto& u : s.urls) urls.emplace_back(u);
    boost::json::object o{{"urls", std::move(urls)}};
    if (s.username) o["username"] = *s.username;
    if (s.credential) o["credential"] = *s.credential;
    out.emplace_back(std::move(o));
  }
  return out;
}

std::string to_json_text(const std::vector<IceServer>& servers) { return boost::json::serialize(to_json(servers)); }

boost::json::object client_config_json(const ClientIceConfig& config) {
  boost::json::object o{{"iceServers", to_json(config.servers)},
                        {"iceTransportPolicy", to_string(config.transport_policy)}};
  if (config.expires_at) o["expiresAt"] = format_iso8601(*config.expires_at);
  return o;
}

}  // namespace hearth::ice
