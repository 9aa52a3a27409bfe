#include "core/base64.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <openssl/evp.h>

namespace hearth {
namespace {

// EVP_*Block take an int length: long inputs go through in pieces of whole quartets.
constexpr std::size_t kEncodeChunk = std::size_t{3} << 20;  // bytes
constexpr std::size_t kDecodeChunk = std::size_t{4} << 20;  // characters

bool in_alphabet(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

Error bad_base64(std::string detail) { return make_error(errc::invalid_argument, "invalid base64", std::move(detail)); }

// Decodes whole quartets; the number of bytes written (3 per quartet), or -1.
int decode_quartets(unsigned char* dst, const char* text, std::size_t size) noexcept {
  return EVP_DecodeBlock(dst, reinterpret_cast<const unsigned char*>(text), static_cast<int>(size));
}

}  // namespace

void append_base64(std::string& out, std::string_view bytes) {
  const std::size_t start = out.size();
  out.resize(start + base64_encoded_size(bytes.size()) + 1);  // EVP_EncodeBlock ends with a NUL
  auto* dst = reinterpret_cast<unsigned char*>(out.data() + start);
  const auto* src = reinterpret_cast<const unsigned char*>(bytes.data());
  for (std::size_t done = 0; done < bytes.size();) {
    const std::size_t n = std::min(kEncodeChunk, bytes.size() - done);
    dst += EVP_EncodeBlock(dst, src + done, static_cast<int>(n));
    done += n;
  }
  out.resize(out.size() - 1);
}

Result<void> append_base64_decoded(std::string& out, std::string_view text) {
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  if (padding > 0 && text.size() % 4 != 0) return bad_base64("padding does not complete the last quartet");
  const std::string_view body = text.substr(0, text.size() - padding);
  if (body.size() % 4 == 1) return bad_base64("dangling character");
  if (body.empty()) return {};
  // EVP_DecodeBlock reads '=' anywhere as zero bits and skips whitespace (and '-') at either end of its input;
  // anything else outside the alphabet makes it fail. So only '=' and the ends of what it is given are checked here.
  if (!in_alphabet(body.back()) || body.find('=') != std::string_view::npos)
    return bad_base64("character outside the alphabet");

  const std::size_t start = out.size();
  out.resize(start + base64_decoded_max(body.size()));
  auto* dst = reinterpret_cast<unsigned char*>(out.data() + start);
  const std::size_t whole = body.size() / 4 * 4;
  for (std::size_t done = 0; done < whole;) {
    const std::size_t n = std::min(kDecodeChunk, whole - done);
    const int written = in_alphabet(body[done]) && in_alphabet(body[done + n - 1])  // the ends of every piece
                            ? decode_quartets(dst, body.data() + done, n)
                            : -1;
    if (written < 0) {
      out.resize(start);
      return bad_base64("character outside the alphabet");
    }
    dst += written;
    done += n;
  }
  if (const std::size_t rest = body.size() - whole; rest != 0) {
    std::array<char, 4> last = {'=', '=', '=', '='};
    std::memcpy(last.data(), body.data() + whole, rest);
    std::array<unsigned char, 3> bytes{};
    if (decode_quartets(bytes.data(), last.data(), last.size()) < 0) {
      out.resize(start);
      return bad_base64("character outside the alphabet");
    }
    std::memcpy(dst, bytes.data(), rest - 1);  // two characters carry one byte, three carry two
    dst += rest - 1;
  }
  out.resize(static_cast<std::size_t>(reinterpret_cast<char*>(dst) - out.data()));
  return {};
}

}  // namespace hearth
