// Fuzz target for what signaling reads off the bus between nodes (signaling/bus_messages). Properties:
//  1. decode_bus_message never reads outside its input, and whatever it accepts encodes back to the same bytes
//     (each field's length prefix and bytes, nothing skipped or invented).
//  2. node_of is a prefix of its input, never containing the '.'.
//  3. A quality report decode_quality_report accepts is within the limits (a reporter and senders, at most
//     kMaxQualityLinks links, finite figures, loss ≤ 100 %), and encoding it is stable: what it encodes to decodes to
//     a report that encodes to the same bytes.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "signaling/bus_messages.hpp"
#include "signaling/payloads.hpp"

namespace {
void check_quality(const hearth::signaling::BusMessage& m) {
  namespace sig = hearth::signaling;
  const auto r = sig::decode_quality_report(m);
  if (!r) return;
  HEARTH_FUZZ_CHECK(!r->reporter.empty() && r->links.size() <= sig::kMaxQualityLinks);
  for (const auto& l : r->links) {
    HEARTH_FUZZ_CHECK(!l.sender.empty());
    for (double v : {l.rtt_ms, l.jitter_ms, l.loss_pct}) HEARTH_FUZZ_CHECK(std::isfinite(v) && v >= 0);
    HEARTH_FUZZ_CHECK(l.loss_pct <= 100);
  }
  const auto again = sig::encode_quality_message(m.fields[0], *r);
  const auto m2 = sig::decode_bus_message(again);
  HEARTH_FUZZ_CHECK(m2.has_value());
  const auto r2 = sig::decode_quality_report(*m2);
  HEARTH_FUZZ_CHECK(r2.has_value());
  HEARTH_FUZZ_CHECK(sig::encode_quality_message(m2->fields[0], *r2) == again);
}
}  // namespace

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const auto m = hearth::signaling::decode_bus_message(input)) {
    const std::vector<std::string> fields(m->fields.begin(), m->fields.end());
    HEARTH_FUZZ_CHECK(hearth::signaling::encode_bus_message(m->kind, {}, fields) == input);
    check_quality(*m);
  }
  const auto node = hearth::signaling::node_of(input);
  HEARTH_FUZZ_CHECK(input.starts_with(node));
  HEARTH_FUZZ_CHECK(node.find('.') == std::string_view::npos);
  return 0;
}
