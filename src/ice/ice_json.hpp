#pragma once
// RTCIceServer objects as JSON: {"urls":[...],"username"?:...,"credential"?:...}, and a client's whole ICE
// configuration: {"iceServers":[...],"iceTransportPolicy":"all"|"relay","expiresAt"?:"<ISO 8601>"}.
// Pure; stateless.
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "ice/ice_servers.hpp"

namespace hearth::ice {

boost::json::array to_json(const std::vector<IceServer>& servers);
// The same array as JSON text.
std::string to_json_text(const std::vector<IceServer>& servers);

// The data of GET /api/video-call/ice-servers and of the get_ice_servers ack.
boost::json::object client_config_json(const ClientIceConfig& config);

}  // namespace hearth::ice
