// Fuzz target for the strict JSON scanner (realtime/socketio/json_check), which promises to accept exactly what
// Boost.JSON's parser accepts. For each shape and depth limit, check_json() must agree with a reference built on
// Boost.JSON: the text parses (same depth limit) to finite numbers only, has the shape Socket.IO requires, and for
// binary packets every object whose last "_placeholder" is true has a last "num" that is an integral number naming an
// attachment. The first input byte chooses the limits; the rest is the JSON text.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "fuzz_check.hpp"
#include "realtime/socketio/json_check.hpp"

namespace {

using namespace hearth::realtime::socketio;
namespace json = boost::json;

bool names_attachment(const json::value& num, std::size_t attachments) {
  if (num.is_int64()) return num.get_int64() >= 0 && static_cast<std::uint64_t>(num.get_int64()) < attachments;
  if (num.is_uint64()) return num.get_uint64() < attachments;
  if (num.is_double()) {
    const double d = num.get_double();
    return d >= 0 && d < static_cast<double>(attachments) && std::floor(d) == d;
  }
  return false;
}

// Boost.JSON keeps the last of duplicate keys, as JSON.parse does.
bool placeholders_ok(const json::value& v, std::size_t attachments) {
  if (const auto* a = v.if_array()) {
    for (const auto& e : *a)
      if (!placeholders_ok(e, attachments)) return false;
    return true;
  }
  const auto* o = v.if_object();
  if (o == nullptr) return true;
  for (const auto& kv : *o)
    if (!placeholders_ok(kv.value(), attachments)) return false;
  const auto* flag = o->if_contains("_placeholder");
  if (flag == nullptr || !flag->is_bool() || !flag->get_bool()) return true;
  const auto* num = o->if_contains("num");
  return num != nullptr && names_attachment(*num, attachments);
}

// Boost.JSON reads numbers past the double range as Infinity or NaN (and would write them so): check_json refuses
// them.
bool finite(const json::value& v) {
  if (v.is_double()) return std::isfinite(v.get_double());
  if (const auto* a = v.if_array()) {
    for (const auto& e : *a)
      if (!finite(e)) return false;
  } else if (const auto* o = v.if_object()) {
    for (const auto& kv : *o)
      if (!finite(kv.value())) return false;
  }
  return true;
}

bool reserved(std::string_view name) {
  for (std::string_view r :
       {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"})
    if (name == r) return true;
  return false;
}

bool shape_ok(const json::value& v, JsonShape shape) {
  switch (shape) {
    case JsonShape::any:
      return true;
    case JsonShape::object:
      return v.is_object();
    case JsonShape::object_or_string:
      return v.is_object() || v.is_string();
    case JsonShape::array:
      return v.is_array();
    case JsonShape::event: {
      const auto* a = v.if_array();
      if (a == nullptr || a->empty() || !(*a)[0].is_string()) return false;
      const auto& name = (*a)[0].get_string();
      return !reserved(std::string_view(name.data(), name.size()));
    }
  }
  return false;
}

}  // namespace

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  JsonCheck check;
  check.shape = static_cast<JsonShape>(control % 5);
  check.max_depth = ((control >> 3) & 1) != 0 ? 32 : 1 + ((control >> 4) & 7);
  check.placeholders = (control & 0x80) != 0;
  check.attachments = (control >> 5) & 3;
  const bool accepted = check_json(text, check).ok();

  json::monotonic_resource mr;
  json::parse_options opts;
  opts.max_depth = check.max_depth;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec, &mr, opts);
  const bool expected =
      !ec && finite(v) && shape_ok(v, check.shape) && (!check.placeholders || placeholders_ok(v, check.attachments));
  HEARTH_FUZZ_CHECK(accepted == expected);
  return 0;
}
