#pragma once
// Compressed copies of the web client's text assets (made once, when the files are loaded) and the choice of one
// for a request's Accept-Encoding (RFC 9110 12.5.3: q-values, "identity", "*"). Brotli when the client takes it,
// else gzip, else the file as it is.
// Thread safety: stateless functions.
#include <optional>
#include <string>
#include <string_view>

namespace hearth::http {

enum class ContentCoding { identity, gzip, br };

std::string_view to_string(ContentCoding c) noexcept;  // "identity", "gzip", "br"

// The whole input compressed (load time only: gzip at its best level, brotli at 9), or nullopt if the library failed.
std::optional<std::string> gzip_compress(std::string_view data);
std::optional<std::string> brotli_compress(std::string_view data);

// The coding to answer with, among those available (identity always is), by the client's Accept-Encoding; an absent
// header means identity. Ties go to br, then gzip, then identity; q=0 refuses a coding.
ContentCoding choose_coding(std::string_view accept_encoding, bool have_br, bool have_gzip);

}  // namespace hearth::http
