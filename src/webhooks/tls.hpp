#pragma once
// TLS for https:// webhook URLs (docs/webhooks.md, "HTTPS"): one client context for every attempt, made once at
// start. A receiver is verified — its chain against WEBHOOK_CA_FILE's certificates, or the system's trust store when
// that is unset, and the URL's host name (or IP address) against its certificate — over TLS 1.2 or newer.
// Thread safety: made at start; attempts on any thread then share it (OpenSSL's SSL_CTX is safe for that).
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace hearth::webhooks {

// `ca_file` empty: the system's trust store (OpenSSL's default paths, /etc/ssl/certs on Debian). Throws
// WebhookConfigError naming WEBHOOK_CA_FILE when the file cannot be read or holds no PEM certificate.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& ca_file);

}  // namespace hearth::webhooks
