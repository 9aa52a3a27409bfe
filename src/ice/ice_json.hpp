#pragma once
// RTCIceServer objects as JSON: {"urls":[...],"username"?:...,"credential"?:...}.
#include <vector>

#include <boost/json/array.hpp>

#include "ice/ice_servers.hpp"

namespace hearth::ice {

boost::json::array to_json(const std::vector<IceServer>& servers);

}  // namespace hearth::ice
