#include "webhooks/webhook_options.hpp"

#include <gtest/gtest.h>

namespace hearth::webhooks {
namespace {

std::string error_of(const RawWebhookOptions& raw) {
  try {
    parse_webhook_options(raw);
  } catch (const WebhookConfigError& e) {
    return e.what();
  }
  return {};
}

TEST(WebhookUrl, Parses) {
  auto u = parse_webhook_url("http://127.0.0.1:8081/hooks?x=1");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, "8081");
  EXPECT_EQ(u.target, "/hooks?x=1");
  u = parse_webhook_url("http://example.test");
  EXPECT_EQ(u.host, "example.test");
  EXPECT_EQ(u.port, "80");
  EXPECT_EQ(u.target, "/");
  EXPECT_FALSE(u.tls);
  u = parse_webhook_url("http://[::1]:9000?q");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "9000");
  EXPECT_EQ(u.target, "/?q");
}

TEST(WebhookUrl, HttpsDefaultsToPort443) {
  auto u = parse_webhook_url("https://hooks.example.test/in");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "hooks.example.test");
  EXPECT_EQ(u.port, "443");
  EXPECT_EQ(u.target, "/in");
  u = parse_webhook_url("https://[::1]:8443");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "8443");
  EXPECT_EQ(u.target, "/");
}

TEST(WebhookUrl, RefusesWhatItCannotDeliverTo) {
  for (const char* bad : {"ftp://x/", "example.test", "http://", "https://", "http://:80/", "http://h:0/",
                          "http://h:65536/", "https://h:0/", "http://h:/", "http://user:pw@h/", "https://user@h/",
                          "http://h/a b", "http://h/#frag", "http://[::1/", "http://h~x/", "HTTPS//h/"}) {
    try {
      parse_webhook_url(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const WebhookConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("WEBHOOK_URLS"), std::string::npos) << e.what();
    }
  }
}

TEST(WebhookOptions, TheCaFileIsLoadedAtStart) {
  RawWebhookOptions raw;
  raw.urls = std::string("https://127.0.0.1:9/a");
  raw.secret = std::string("0123456789abcdef");
  raw.ca_file = std::string("/nonexistent/ca.pem");
  EXPECT_NE(error_of(raw).find("WEBHOOK_CA_FILE: '/nonexistent/ca.pem' could not be loaded"), std::string::npos)
      << error_of(raw);
  raw.ca_file = std::string("/dev/null");  // no certificate in it
  EXPECT_NE(error_of(raw).find("WEBHOOK_CA_FILE"), std::string::npos) << error_of(raw);
  raw.ca_file.clear();  // the system's trust store
  const auto o = parse_webhook_options(raw);
  EXPECT_TRUE(o.uses_tls());
  raw.urls.clear();
  raw.secret.clear();
  raw.ca_file = std::string("/dev/null");
  EXPECT_NE(error_of(raw).find("WEBHOOK_CA_FILE is set but WEBHOOK_URLS is empty"), std::string::npos);
}

TEST(WebhookOptions, OffByDefault) {
  const auto o = parse_webhook_options({});
  EXPECT_FALSE(o.enabled());
  EXPECT_TRUE(o.targets().empty());
}

TEST(WebhookOptions, UrlsNeedALongEnoughSecret) {
  RawWebhookOptions raw;
  raw.urls = std::string("http://127.0.0.1:9/a, http://127.0.0.1:9/b");
  EXPECT_NE(error_of(raw).find("WEBHOOK_SECRET is required"), std::string::npos);
  raw.secret = std::string("short");
  EXPECT_NE(error_of(raw).find("at least 16"), std::string::npos);
  raw.secret = std::string("0123456789abcdef");
  const auto o = parse_webhook_options(raw);
  EXPECT_EQ(o.targets(), (std::vector<std::string>{"http://127.0.0.1:9/a", "http://127.0.0.1:9/b"}));
  EXPECT_EQ(o.secret, "0123456789abcdef");
  EXPECT_EQ(o.retry.initial, std::chrono::milliseconds(1000));
  EXPECT_EQ(o.retry.max, std::chrono::milliseconds(300'000));
  EXPECT_EQ(o.retry.give_up_after, std::chrono::hours(24));
}

TEST(WebhookOptions, NamesTheVariable) {
  // Each case: one field of a valid configuration set to a bad value. (Strings move-assigned: GCC 12 misreports
  // -Wrestrict on assigning a literal, GCC bug 105329.)
  const struct {
    std::string RawWebhookOptions::*field;
    std::string value;
    std::string_view named;
  } cases[] = {
      {&RawWebhookOptions::urls, std::string(), "WEBHOOK_URLS is empty"},
      {&RawWebhookOptions::urls, std::string("http://h/x,http://h/x"), "twice"},
      {&RawWebhookOptions::timeout_ms, std::string("5"), "WEBHOOK_TIMEOUT_MS"},
      {&RawWebhookOptions::retry_max_ms, std::string("10"), "WEBHOOK_RETRY_MAX_MS"},  // below the initial 1000
      {&RawWebhookOptions::max_attempts, std::string("-1"), "WEBHOOK_MAX_ATTEMPTS"},
      {&RawWebhookOptions::concurrency, std::string("x"), "WEBHOOK_CONCURRENCY"},
      {&RawWebhookOptions::give_up_after_seconds, std::string("0"), "WEBHOOK_GIVE_UP_AFTER_SECONDS"},
  };
  for (const auto& c : cases) {
    RawWebhookOptions raw;
    raw.urls = std::string("http://h/x");
    raw.secret = std::string("0123456789abcdef");
    raw.*c.field = std::string(c.value);
    EXPECT_NE(error_of(raw).find(c.named), std::string::npos) << c.named << ": " << error_of(raw);
  }
}

}  // namespace
}  // namespace hearth::webhooks
