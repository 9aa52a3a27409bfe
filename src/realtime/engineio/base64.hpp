#pragma once
// Engine.IO carries binary messages as "b<base64>" in HTTP long-polling payloads: standard base64, core/base64.hpp
// (OpenSSL's codec), with the error Engine.IO answers.
// Thread safety: stateless.
#include <string>
#include <string_view>

#include "core/base64.hpp"

namespace hearth::realtime::engineio {

using hearth::append_base64;
using hearth::base64_decoded_max;
using hearth::base64_encoded_size;

// hearth::append_base64_decoded, failing with "invalid base64 in binary packet".
inline Result<void> append_base64_decoded(std::string& out, std::string_view text) {
  auto r = hearth::append_base64_decoded(out, text);
  if (!r) return make_error(errc::invalid_argument, "invalid base64 in binary packet", std::move(r.error().detail));
  return r;
}

}  // namespace hearth::realtime::engineio
