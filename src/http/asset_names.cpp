#include "http/asset_names.hpp"

#include <array>

#include <openssl/sha.h>

#include "core/base64.hpp"

namespace hearth::http {

namespace {

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

Digest sha256(std::string_view data) {
  Digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return d;
}

// JSON string contents for a URL path: the paths served are plain names (static_files.cpp), but escape anyway.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  out += '"';
}

std::string import_map(const std::map<std::string, std::string>& hashed) {
  std::string map = "{\"imports\":{";
  bool first = true;
  for (const auto& [plain, with_hash] : hashed) {
    if (!plain.ends_with(".js")) continue;
    if (!first) map += ',';
    first = false;
    append_json_string(map, plain);
    map += ':';
    append_json_string(map, with_hash);
  }
  map += "}}";
  return map;
}

}  // namespace

std::string hashed_path(std::string_view path, std::string_view content) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const Digest d = sha256(content);
  std::string hash;
  for (std::size_t i = 0; i < 6; ++i) {
    hash += kDigits[d[i] >> 4];
    hash += kDigits[d[i] & 15];
  }
  const auto slash = path.rfind('/');
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash) || dot == slash + 1)
    return std::string(path) + "." + hash;
  return std::string(path.substr(0, dot)) + "." + hash + std::string(path.substr(dot));
}

RewrittenPage rewrite_page(std::string_view html, const std::map<std::string, std::string>& hashed) {
  RewrittenPage out;
  out.html.reserve(html.size() + 64 * hashed.size());
  bool map_inserted = false;
  std::size_t pos = 0;
  while (pos < html.size()) {
    // The next attribute value that could name an asset, or the first module script (where the map goes).
    const auto src = html.find("src=\"/", pos);
    const auto href = html.find("href=\"/", pos);
    const auto module = map_inserted ? std::string_view::npos : html.find("<script type=\"module\"", pos);
    const auto attr = std::min(src, href);
    if (module != std::string_view::npos && module <= attr) {
      out.html.append(html.substr(pos, module - pos));
      const std::string map = import_map(hashed);
      out.html += "<script type=\"importmap\">";
      out.html += map;
      out.html += "</script>\n  ";
      std::string b64;
      const Digest d = sha256(map);
      append_base64(b64, std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
      out.import_map_hash = "'sha256-" + b64 + "'";
      map_inserted = true;
      pos = module;
      out.html.append(html.substr(pos, 1));
      ++pos;
      continue;
    }
    if (attr == std::string_view::npos) break;
    const auto value_begin = html.find('"', attr) + 1;
    const auto value_end = html.find('"', value_begin);
    if (value_end == std::string_view::npos) break;
    out.html.append(html.substr(pos, value_begin - pos));
    const std::string value(html.substr(value_begin, value_end - value_begin));
    const auto it = hashed.find(value);
    out.html += it == hashed.end() ? value : it->second;
    pos = value_end;
  }
  if (pos < html.size()) out.html.append(html.substr(pos));
  return out;
}

}  // namespace hearth::http
