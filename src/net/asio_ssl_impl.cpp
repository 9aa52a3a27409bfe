// Asio's TLS layer compiled once (BOOST_ASIO_SEPARATE_COMPILATION), apart from asio_impl.cpp so that only what
// speaks TLS (https:// webhooks) links OpenSSL's libssl.
#include <boost/asio/ssl/impl/src.hpp>
