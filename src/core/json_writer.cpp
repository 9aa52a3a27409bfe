#include "core/json_writer.hpp"

#include <algorithm>
#include <charconv>

namespace hearth {

namespace {

constexpr std::string_view kHex = "0123456789abcdef";

// The short escape for `c`, or 0 when it needs none ('u' when it needs \u00XX).
char escape_of(unsigned char c) noexcept {
  switch (c) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '\b':
      return 'b';
    case '\f':
      return 'f';
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    default:
      return c < 0x20 ? 'u' : 0;
  }
}

}  // namespace

std::size_t json_string_size(std::string_view s) noexcept {
  std::size_t n = 2;
  for (const char c : s) {
    const char e = escape_of(static_cast<unsigned char>(c));
    n += e == 0 ? 1 : e == 'u' ? 6 : 2;
  }
  return n;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  const bool plain =
      std::none_of(s.begin(), s.end(), [](char c) { return escape_of(static_cast<unsigned char>(c)) != 0; });
  if (plain) {  // ids, names, event names: one append
    out += s;
    out += '"';
    return;
  }
  for (const char c : s) {
    const auto uc = static_cast<unsigned char>(c);
    const char e = escape_of(uc);
    if (e == 0) {
      out += c;
    } else if (e == 'u') {
      out += "\\u00";
      out += kHex[uc >> 4];
      out += kHex[uc & 0xf];
    } else {
      out += '\\';
      out += e;
    }
  }
  out += '"';
}

void JsonWriter::before_value() {
  if (after_key_)
    after_key_ = false;
  else if (!first_)
    out_ += ',';
  first_ = false;
}

JsonWriter& JsonWriter::open(char c) {
  before_value();
  out_ += c;
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::close(char c) {
  out_ += c;
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  if (!first_) out_ += ',';
  first_ = false;
  append_json_string(out_, k);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
  before_value();
  append_json_string(out_, s);
  return *this;
}

JsonWriter& JsonWriter::number(std::int64_t n) {
  before_value();
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  out_ += json;
  return *this;
}

}  // namespace hearth
