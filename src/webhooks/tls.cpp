#include "webhooks/tls.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>

#include "webhooks/webhook_options.hpp"

namespace hearth::webhooks {

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);  // NOLINT(bugprone-unused-return-value): ec is checked
    if (ec) throw WebhookConfigError("could not load the system's trust store for https:// webhooks: " + ec.message());
  } else {
    ctx->load_verify_file(ca_file, ec);  // NOLINT(bugprone-unused-return-value): ec is checked
    if (ec)
      throw WebhookConfigError(
          fmt::format("WEBHOOK_CA_FILE: '{}' could not be loaded as PEM certificates ({})", ca_file, ec.message()));
  }
  return ctx;
}

}  // namespace hearth::webhooks
