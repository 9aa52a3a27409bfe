#pragma once
// The client behind a reverse proxy: when a request comes from an address of TRUSTED_PROXIES, its client is the
// rightmost address of X-Forwarded-For that is not a trusted proxy (each proxy appends the address it saw, so
// what a client wrote itself is to the left of what its first proxy appended, and is never believed).
// Pure; thread safety: none needed.
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "core/allow_list.hpp"

namespace hearth::net {

// The per-address limits' key (address_key) of the forwarded client, or nullopt when `peer` is not trusted, the
// header is absent or names no valid address where one is needed (then the peer itself is the client).
std::optional<std::string> forwarded_client(const boost::asio::ip::address& peer, std::string_view x_forwarded_for,
                                            const AllowList& trusted_proxies);

}  // namespace hearth::net
