#pragma once
// RTCIceServer objects as JSON: {"urls":[...],"username"?:...,"credential"?:...}.
#include <string>
#include <vector>

#include <boost/json/array.hpp>

#include "ice/ice_servers.hpp"

namespace hearth::ice {

boost::json::array to_json(const std::vector<IceServer>& servers);
// The same array as JSON text.
std::string to_json_text(const std::vector<IceServer>& servers);

}  // namespace hearth::ice
