#include "net/forwarded.hpp"

#include "net/connection_limits.hpp"

namespace hearth::net {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool trusted(const boost::asio::ip::address& a, const AllowList& list) { return list.allows(a.to_string()); }

}  // namespace

std::optional<std::string> forwarded_client(const boost::asio::ip::address& peer, std::string_view x_forwarded_for,
                                            const AllowList& trusted_proxies) {
  if (trusted_proxies.empty() || !trusted(peer, trusted_proxies)) return std::nullopt;
  // From the right: the first address that is not one of our proxies is the client as our outermost proxy saw it.
  std::string_view rest = x_forwarded_for;
  for (int hops = 0; !rest.empty() && hops < 32; ++hops) {
    const auto comma = rest.rfind(',');
    const std::string_view token = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(std::string(token), ec);
    if (ec) return std::nullopt;  // garbage where an address must be: the proxy is the client
    if (!trusted(address, trusted_proxies)) return address_key(address);
  }
  return std::nullopt;
}

}  // namespace hearth::net
