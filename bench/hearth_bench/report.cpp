#include "hearth_bench/report.hpp"

#include <cmath>

#include <fmt/format.h>

#include <boost/json.hpp>

namespace hearth::bench {
namespace json = boost::json;

namespace {

double num(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  return 0;
}

double nested(const json::object& o, std::string_view key, std::string_view inner) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? num(v->get_object(), inner) : 0;
}

// " server 12.3 us/relay" when present.
std::string optional_part(const json::object& o, std::string_view key, std::string_view format) {
  if (!o.contains(key)) return {};
  return fmt::format(fmt::runtime(format), num(o, key));
}

}  // namespace

json::object finish_report(const Options& options, json::object measurements, const Errors& errors) {
  json::object o;
  o["scenario"] = to_string(options.scenario);
  o["errors"] = errors.total();
  json::object kinds;
  for (const auto& [kind, n] : errors.by_kind()) kinds[kind] = n;
  o["error_kinds"] = std::move(kinds);
  json::array samples;
  for (const auto& s : errors.samples()) samples.emplace_back(s);
  o["error_samples"] = std::move(samples);
  o["url"] = fmt::format("http://{}:{}", options.host, options.port);
  if (options.urls.size() > 1) {
    json::array urls;
    for (const auto& u : options.urls) urls.emplace_back(fmt::format("http://{}:{}", u.host, u.port));
    o["urls"] = std::move(urls);
  }
  for (auto& [k, v] : measurements) o[k] = std::move(v);
  return o;
}

std::string to_json_text(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      std::string out = "{";
      for (const auto& [k, e] : v.get_object()) {
        if (out.size() > 1) out += ',';
        out += json::serialize(json::string(k));
        out += ':';
        out += to_json_text(e);
      }
      return out + "}";
    }
    case json::kind::array: {
      std::string out = "[";
      for (const auto& e : v.get_array()) {
        if (out.size() > 1) out += ',';
        out += to_json_text(e);
      }
      return out + "]";
    }
    case json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) return "null";
      return fmt::format("{}", std::round(d * 1e4) / 1e4);
    }
    default:
      return json::serialize(v);
  }
}

std::string summary_line(const json::object& r) {
  const std::string scenario(r.at("scenario").as_string());
  const auto errors = num(r, "errors");
  std::string line;
  if (scenario == "relay") {
    line = fmt::format("relay: {:.0f} relays/s delivered, latency p50 {:.2f} p90 {:.2f} p99 {:.2f} max {:.2f} ms",
                       num(r, "delivered_per_sec"), nested(r, "latency_ms", "p50"), nested(r, "latency_ms", "p90"),
                       nested(r, "latency_ms", "p99"), nested(r, "latency_ms", "max"));
    line += optional_part(r, "server_cpu_us_per_relay", ", server {:.2f} us/relay");
    line += optional_part(r, "server_cpu_percent", " ({:.0f}% CPU)");
  } else if (scenario == "setup") {
    line = fmt::format("setup: {:.0f} calls set up/s ({:.0f} calls), negotiated p50 {:.2f} p99 {:.2f} ms",
                       num(r, "setups_per_sec"), num(r, "completed"), nested(r, "negotiated_ms", "p50"),
                       nested(r, "negotiated_ms", "p99"));
    line += optional_part(r, "server_cpu_us_per_setup", ", server {:.0f} us/setup");
  } else if (scenario == "idle") {
    line = fmt::format("idle: {:.0f} sockets held, {:.0f} connects/s", num(r, "sockets"), num(r, "connects_per_sec"));
    line += optional_part(r, "rss_bytes_per_socket", ", server RSS {:.0f} bytes/socket");
  } else {
    line = fmt::format("rest: {:.0f} requests/s ({:.0f} initiates/s), latency p50 {:.2f} p99 {:.2f} ms",
                       num(r, "requests_per_sec"), num(r, "initiates_per_sec"), nested(r, "latency_ms", "p50"),
                       nested(r, "latency_ms", "p99"));
    line += optional_part(r, "server_cpu_us_per_request", ", server {:.1f} us/request");
  }
  line += optional_part(r, "client_cpu_percent", ", load generator {:.0f}% CPU");
  line += fmt::format(", {:.0f} errors", errors);
  if (const auto* s = r.if_contains("error_samples"); s && s->is_array() && !s->get_array().empty())
    line += " (first: " + std::string(s->get_array().front().as_string()) + ")";
  return line;
}

}  // namespace hearth::bench
