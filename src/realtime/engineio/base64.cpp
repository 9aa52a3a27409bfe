#include "realtime/engineio/base64.hpp"

#include <array>
#include <cstdint>

namespace hearth::realtime::engineio {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_reverse() {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr std::array<std::uint8_t, 256> kReverse = make_reverse();

Error bad_base64(std::string detail) {
  return make_error(errc::invalid_argument, "invalid base64 in binary packet", std::move(detail));
}

}  // namespace

void append_base64(std::string& out, std::string_view bytes) {
  const std::size_t start = out.size();
  out.resize(start + base64_encoded_size(bytes.size()));
  char* dst = out.data() + start;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    *dst++ = kAlphabet[(v >> 18) & 63];
    *dst++ = kAlphabet[(v >> 12) & 63];
    *dst++ = kAlphabet[(v >> 6) & 63];
    *dst++ = kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  const std::uint32_t v = (byte(i) << 16) | (rest == 2 ? byte(i + 1) << 8 : 0);
  *dst++ = kAlphabet[(v >> 18) & 63];
  *dst++ = kAlphabet[(v >> 12) & 63];
  *dst++ = rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
  *dst = '=';
}

Result<void> append_base64_decoded(std::string& out, std::string_view text) {
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  if (padding > 0 && text.size() % 4 != 0) return bad_base64("padding does not complete the last quartet");
  const std::string_view body = text.substr(0, text.size() - padding);
  if (body.size() % 4 == 1) return bad_base64("dangling character");

  const std::size_t start = out.size();
  out.resize(start + base64_decoded_max(body.size()));
  char* dst = out.data() + start;
  std::uint32_t acc = 0;
  std::size_t bits = 0;
  for (const char c : body) {
    const std::uint8_t v = kReverse[static_cast<unsigned char>(c)];
    if (v == kInvalid) {
      out.resize(start);
      return bad_base64("character outside the alphabet");
    }
    acc = ((acc << 6) | v) & 0xffffu;  // only the last 14 bits are ever read
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *dst++ = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  out.resize(static_cast<std::size_t>(dst - out.data()));
  return {};
}

}  // namespace hearth::realtime::engineio
