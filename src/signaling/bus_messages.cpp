#include "signaling/bus_messages.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "signaling/payloads.hpp"

namespace hearth::signaling {

namespace {

void append_field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

// Fields each kind needs at least.
std::size_t min_fields(BusKind kind) {
  switch (kind) {
    case BusKind::relay:
      return 5;
    case BusKind::refused:
    case BusKind::room:
      return 3;
    case BusKind::joined:
    case BusKind::left:
      return 4;
    case BusKind::users:
    case BusKind::breakout:
      return 1;
    case BusKind::ended:
    case BusKind::admitted:
      return 2;
    case BusKind::quality:
      return 3;
  }
  return 0;
}

bool known(char c) {
  switch (static_cast<BusKind>(c)) {
    case BusKind::relay:
    case BusKind::refused:
    case BusKind::room:
    case BusKind::joined:
    case BusKind::left:
    case BusKind::users:
    case BusKind::ended:
    case BusKind::quality:
    case BusKind::admitted:
    case BusKind::breakout:
      return true;
  }
  return false;
}

}  // namespace

std::string encode_bus_message(BusKind kind, std::initializer_list<std::string_view> fields,
                               const std::vector<std::string>& more) {
  std::size_t size = 1;
  for (auto f : fields) size += f.size() + 8;
  for (const auto& f : more) size += f.size() + 8;
  std::string out;
  out.reserve(size);
  out += static_cast<char>(kind);
  for (auto f : fields) append_field(out, f);
  for (const auto& f : more) append_field(out, f);
  return out;
}

std::optional<BusMessage> decode_bus_message(std::string_view text) {
  if (text.empty() || !known(text[0])) return std::nullopt;
  BusMessage m;
  m.kind = static_cast<BusKind>(text[0]);
  std::size_t pos = 1;
  while (pos < text.size()) {
    const auto colon = text.find(':', pos);
    if (colon == std::string_view::npos || colon == pos || colon - pos > 10) return std::nullopt;
    if (text[pos] == '0' && colon - pos > 1) return std::nullopt;  // one spelling per length
    std::size_t len = 0;
    const auto [end, ec] = std::from_chars(text.data() + pos, text.data() + colon, len);
    if (ec != std::errc{} || end != text.data() + colon) return std::nullopt;
    if (len > text.size() - colon - 1) return std::nullopt;
    m.fields.push_back(text.substr(colon + 1, len));
    pos = colon + 1 + len;
  }
  if (m.fields.size() < min_fields(m.kind)) return std::nullopt;
  return m;
}

namespace {
constexpr std::size_t kLinkFields = 6;
constexpr double kMaxFigure = 600'000;  // what parse_quality_report accepts (ms, percent), with room

std::string figure(double v) { return fmt::format("{}", v); }

std::optional<double> read_figure(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v) || v < 0 || v > kMaxFigure)
    return std::nullopt;
  return v;
}

// "" is none; anything else must be a known type.
bool read_candidate(std::string_view text, std::optional<calls::CandidateType>& out) {
  if (text.empty()) return true;
  out = calls::parse_candidate_type(text);
  return out.has_value();
}
}  // namespace

std::string encode_quality_message(std::string_view session_id, const calls::QualityReport& report) {
  std::vector<std::string> links;
  links.reserve(report.links.size() * kLinkFields);
  for (const auto& l : report.links) {
    links.push_back(l.sender);
    links.push_back(figure(l.rtt_ms));
    links.push_back(figure(l.jitter_ms));
    links.push_back(figure(l.loss_pct));
    links.emplace_back(l.local_candidate ? calls::to_string(*l.local_candidate) : "");
    links.emplace_back(l.remote_candidate ? calls::to_string(*l.remote_candidate) : "");
  }
  const std::string established =
      report.connection_established_ms ? std::to_string(*report.connection_established_ms) : "";
  return encode_bus_message(BusKind::quality, {session_id, report.reporter, established}, links);
}

std::optional<calls::QualityReport> decode_quality_report(const BusMessage& m) {
  const auto& f = m.fields;
  if (m.kind != BusKind::quality || f.size() < 3 || (f.size() - 3) % kLinkFields != 0 ||
      (f.size() - 3) / kLinkFields > kMaxQualityLinks || f[1].empty())
    return std::nullopt;
  calls::QualityReport r;
  r.reporter = std::string(f[1]);
  if (!f[2].empty()) {
    std::int64_t ms = 0;
    const auto [end, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), ms);
    if (ec != std::errc{} || end != f[2].data() + f[2].size() || ms < 0 || ms > 600'000) return std::nullopt;
    r.connection_established_ms = ms;
  }
  for (std::size_t i = 3; i < f.size(); i += kLinkFields) {
    calls::LinkReport l;
    l.sender = std::string(f[i]);
    const auto rtt = read_figure(f[i + 1]), jitter = read_figure(f[i + 2]), loss = read_figure(f[i + 3]);
    if (l.sender.empty() || !rtt || !jitter || !loss || *loss > 100) return std::nullopt;
    l.rtt_ms = *rtt;
    l.jitter_ms = *jitter;
    l.loss_pct = *loss;
    if (!read_candidate(f[i + 4], l.local_candidate) || !read_candidate(f[i + 5], l.remote_candidate))
      return std::nullopt;
    r.links.push_back(std::move(l));
  }
  return r;
}

std::string_view node_of(std::string_view socket_id) noexcept {
  const auto dot = socket_id.find('.');
  return dot == std::string_view::npos ? std::string_view{} : socket_id.substr(0, dot);
}

}  // namespace hearth::signaling
