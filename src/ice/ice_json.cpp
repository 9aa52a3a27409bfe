#include "ice/ice_json.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

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

}  // namespace hearth::ice
