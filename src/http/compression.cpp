#include "http/compression.hpp"

#include <array>
#include <cctype>
#include <charconv>

#include <brotli/encode.h>
#include <zlib.h>

namespace hearth::http {

namespace {
// Quality 11 compresses the web client 2-3 % smaller than 9 at about 20 times the time (over a second of start-up for
// the Socket.IO client alone); 9 keeps loading in the tens of milliseconds.
constexpr int kBrotliQuality = 9;
}  // namespace

std::string_view to_string(ContentCoding c) noexcept {
  switch (c) {
    case ContentCoding::gzip:
      return "gzip";
    case ContentCoding::br:
      return "br";
    case ContentCoding::identity:
      break;
  }
  return "identity";
}

std::optional<std::string> gzip_compress(std::string_view data) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip wrapper rather than zlib's.
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

std::optional<std::string> brotli_compress(std::string_view data) {
  std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
  if (size == 0) return std::nullopt;
  std::string out(size, '\0');
  // A window just large enough for the input: the encoder's memory grows with the window, and a 4 MiB default for
  // files of a few KiB would only leave the heap larger after loading.
  int window = BROTLI_MIN_WINDOW_BITS;
  while (window < BROTLI_MAX_WINDOW_BITS && (std::size_t{1} << window) - 16 < data.size()) ++window;
  if (!BrotliEncoderCompress(kBrotliQuality, window, BROTLI_MODE_TEXT, data.size(),
                             reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                             reinterpret_cast<std::uint8_t*>(out.data())))
    return std::nullopt;
  out.resize(size);
  return out;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// A q-value in thousandths ("q=0.5" -> 500); a malformed one counts as 0 (refused), as a cautious reading.
int q_value(std::string_view params) {
  int q = 1000;
  while (!params.empty()) {
    const auto semi = params.find(';');
    const auto param = trim(params.substr(0, semi));
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      const auto v = param.substr(2);
      double d = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
      q = (ec != std::errc{} || end != v.data() + v.size() || d < 0 || d > 1) ? 0 : static_cast<int>(d * 1000 + 0.5);
    }
    if (semi == std::string_view::npos) break;
    params.remove_prefix(semi + 1);
  }
  return q;
}

}  // namespace

ContentCoding choose_coding(std::string_view accept_encoding, bool have_br, bool have_gzip) {
  // q of br, gzip, identity; -1: not named. "*" covers whatever is not named.
  std::array<int, 3> q{-1, -1, -1};
  int star = -1;
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    const auto item = accept_encoding.substr(0, comma);
    const auto semi = item.find(';');
    const auto name = trim(item.substr(0, semi));
    const int value = semi == std::string_view::npos ? 1000 : q_value(item.substr(semi + 1));
    if (iequals(name, "br")) q[0] = value;
    if (iequals(name, "gzip") || iequals(name, "x-gzip")) q[1] = value;
    if (iequals(name, "identity")) q[2] = value;
    if (name == "*") star = value;
    if (comma == std::string_view::npos) break;
    accept_encoding.remove_prefix(comma + 1);
  }
  for (int& v : q)
    if (v < 0) v = star;
  if (q[2] < 0) q[2] = 1;  // identity is acceptable unless refused (explicitly or by "*;q=0")
  const int br = have_br ? q[0] : 0, gz = have_gzip ? q[1] : 0;
  if (br > 0 && br >= gz && br >= q[2]) return ContentCoding::br;
  if (gz > 0 && gz >= q[2]) return ContentCoding::gzip;
  return ContentCoding::identity;
}

}  // namespace hearth::http
