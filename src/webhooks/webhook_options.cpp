#include "webhooks/webhook_options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "core/setting_values.hpp"
#include "webhooks/tls.hpp"

namespace hearth::webhooks {

namespace {

long long parse_int(std::string_view name, const std::string& value, long long min, long long max) {
  const auto n = parse_bounded_int(value, min, max);
  if (!n)
    throw WebhookConfigError(fmt::format("{} must be an integer from {} to {} (got '{}')", name, min, max, value));
  return *n;
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

}  // namespace

bool WebhookOptions::uses_tls() const {
  return std::any_of(urls.begin(), urls.end(), [](const WebhookUrl& u) { return u.tls; });
}

std::vector<std::string> WebhookOptions::targets() const {
  std::vector<std::string> out;
  for (const auto& u : urls) out.push_back(u.url);
  return out;
}

WebhookUrl parse_webhook_url(std::string_view url) {
  const auto bad = [&](std::string_view why) {
    return WebhookConfigError(fmt::format("WEBHOOK_URLS: '{}' {} (expected http[s]://host[:port][/path])", url, why));
  };
  if (url.size() > 2048) throw bad("is longer than 2048 characters");
  WebhookUrl out;
  out.tls = url.starts_with("https://");
  const std::string_view scheme = out.tls ? "https://" : "http://";
  if (!url.starts_with(scheme)) throw bad("is not an http:// or https:// URL");
  out.url = std::string(url);
  auto rest = url.substr(scheme.size());
  const auto path_at = rest.find_first_of("/?");
  auto authority = rest.substr(0, path_at);
  // "?q" alone means "/?q". (Built by appending: GCC 12 misreports -Wrestrict on insert and assign, GCC bug 105329.)
  if (path_at == std::string_view::npos || rest[path_at] == '?') out.target.push_back('/');
  if (path_at != std::string_view::npos) out.target.append(rest.substr(path_at));
  if (out.target.find('#') != std::string::npos) throw bad("has a fragment");
  for (const char c : out.target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) throw bad("has a space or control character");
  if (authority.find('@') != std::string_view::npos) throw bad("has user information (put secrets in WEBHOOK_SECRET)");
  std::string_view host;
  std::string_view port;
  if (authority.starts_with('[')) {  // [IPv6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw bad("has an unclosed [");
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw bad("has characters after ]");
      port = after.substr(1);
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
          return c == ':' || c == '.' || std::isxdigit(static_cast<unsigned char>(c));
        }))
      throw bad("has an invalid IPv6 address");
  } else {
    const auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), host_char)) throw bad("has no valid host");
  }
  out.host = std::string(host);
  if (port.empty() && authority.ends_with(':')) throw bad("has an empty port");
  out.port = port.empty() ? (out.tls ? "443" : "80") : std::string(port);
  int n = 0;
  const auto [ptr, ec] = std::from_chars(out.port.data(), out.port.data() + out.port.size(), n);
  if (ec != std::errc{} || ptr != out.port.data() + out.port.size() || n < 1 || n > 65535)
    throw bad("has an invalid port");
  return out;
}

WebhookOptions parse_webhook_options(const RawWebhookOptions& raw) {
  WebhookOptions o;
  const auto urls = split_list(raw.urls);
  if (urls.size() > 16) throw WebhookConfigError("WEBHOOK_URLS lists more than 16 URLs");
  for (const auto& url : urls) {
    auto parsed = parse_webhook_url(url);
    if (std::any_of(o.urls.begin(), o.urls.end(), [&](const WebhookUrl& u) { return u.url == parsed.url; }))
      throw WebhookConfigError(fmt::format("WEBHOOK_URLS lists '{}' twice", url));
    o.urls.push_back(std::move(parsed));
  }
  if (!o.enabled()) {
    if (!raw.secret.empty()) throw WebhookConfigError("WEBHOOK_SECRET is set but WEBHOOK_URLS is empty");
    if (!raw.ca_file.empty()) throw WebhookConfigError("WEBHOOK_CA_FILE is set but WEBHOOK_URLS is empty");
    return o;
  }
  if (raw.secret.empty()) throw WebhookConfigError("WEBHOOK_SECRET is required when WEBHOOK_URLS is set");
  if (raw.secret.size() < 16) throw WebhookConfigError("WEBHOOK_SECRET must be at least 16 characters");
  o.secret = raw.secret;
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  if (!raw.timeout_ms.empty()) o.timeout = milliseconds(parse_int("WEBHOOK_TIMEOUT_MS", raw.timeout_ms, 100, 600'000));
  if (!raw.retry_initial_ms.empty())
    o.retry.initial = milliseconds(parse_int("WEBHOOK_RETRY_INITIAL_MS", raw.retry_initial_ms, 10, 3'600'000));
  if (!raw.retry_max_ms.empty())
    o.retry.max =
        milliseconds(parse_int("WEBHOOK_RETRY_MAX_MS", raw.retry_max_ms, o.retry.initial.count(), 24LL * 3'600'000));
  if (!raw.give_up_after_seconds.empty())
    o.retry.give_up_after =
        seconds(parse_int("WEBHOOK_GIVE_UP_AFTER_SECONDS", raw.give_up_after_seconds, 1, 30LL * 86'400));
  if (!raw.max_attempts.empty())
    o.retry.max_attempts = static_cast<int>(parse_int("WEBHOOK_MAX_ATTEMPTS", raw.max_attempts, 0, 1'000'000));
  if (!raw.concurrency.empty())
    o.max_in_flight = static_cast<std::size_t>(parse_int("WEBHOOK_CONCURRENCY", raw.concurrency, 1, 1024));
  o.ca_file = raw.ca_file;
  // Loaded here, so that a bad file or trust store stops the start with its reason; the dispatcher's attempts use it.
  if (o.uses_tls()) o.tls = make_tls_context(o.ca_file);
  return o;
}

}  // namespace hearth::webhooks
