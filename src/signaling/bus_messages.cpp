#include "signaling/bus_messages.hpp"

#include <charconv>

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
      return 1;
    case BusKind::ended:
      return 2;
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

std::string_view node_of(std::string_view socket_id) noexcept {
  const auto dot = socket_id.find('.');
  return dot == std::string_view::npos ? std::string_view{} : socket_id.substr(0, dot);
}

}  // namespace hearth::signaling
