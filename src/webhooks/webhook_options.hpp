#pragma once
// Webhook settings (docs/webhooks.md, "Configuration"), from the WEBHOOK_* environment variables. Webhooks are
// off unless WEBHOOK_URLS lists at least one URL; then WEBHOOK_SECRET (16 characters or more) is required.
// http:// and https:// URLs; an https:// receiver is verified against the system's trust store or WEBHOOK_CA_FILE
// (webhooks/tls.hpp), which is loaded at start so that a bad one stops the start.
// Thread safety: values, built once at start.
#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "webhooks/retry_policy.hpp"

namespace boost::asio::ssl {
class context;
}

namespace hearth::webhooks {

struct WebhookUrl {
  std::string url;     // as configured: the outbox's target
  std::string host;    // name or address (IPv6 without brackets)
  std::string port;    // "80" (http) or "443" (https) when not given
  std::string target;  // path and query, "/" when empty
  bool tls = false;    // https://
};

struct WebhookOptions {
  std::vector<WebhookUrl> urls;
  std::string secret;
  std::chrono::milliseconds timeout{10'000};  // connect, send and the whole answer, per attempt
  RetryPolicy retry;
  std::size_t max_in_flight = 8;               // deliveries at once, all URLs together
  std::size_t max_response_bytes = 64 * 1024;  // of a receiver's answer read (headers and body)
  std::string ca_file;                         // PEM certificates trusted for https:// (empty: the system's)
  // The TLS context of https:// URLs, loaded by parse_webhook_options() (null without them, or in hand-made options:
  // the dispatcher then makes it).
  std::shared_ptr<boost::asio::ssl::context> tls;
  bool enabled() const noexcept { return !urls.empty(); }
  bool uses_tls() const;
  std::vector<std::string> targets() const;
};

// The raw values of the environment variables (empty: unset).
struct RawWebhookOptions {
  std::string urls, secret, timeout_ms, retry_initial_ms, retry_max_ms, give_up_after_seconds, max_attempts,
      concurrency, ca_file;
};

// Thrown for a bad value; the message names the variable, the value (never the secret) and the rule.
class WebhookConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// http[s]://host[:port][/path][?query]; throws WebhookConfigError naming WEBHOOK_URLS.
WebhookUrl parse_webhook_url(std::string_view url);
// Validates and converts; throws WebhookConfigError.
WebhookOptions parse_webhook_options(const RawWebhookOptions& raw);

}  // namespace hearth::webhooks
