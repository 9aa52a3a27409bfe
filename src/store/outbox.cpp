#include "store/outbox.hpp"

#include <fmt/format.h>

#include "core/json_writer.hpp"
#include "core/random.hpp"
#include "core/time_format.hpp"

namespace hearth::store {

using calls::CallEventType;

std::string new_event_id() { return "evt_" + random_base36(24); }

namespace {

void write_strings(JsonWriter& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (const auto& item : items) w.string(item);
  w.end_array();
}

void write_data(JsonWriter& w, const calls::CallEvent& e) {
  w.begin_object();
  switch (e.type) {
    case CallEventType::call_initiated:
      w.key("initiatorId").string(e.user_id).key("sessionType").string(to_string(e.session_type)).key("invitees");
      write_strings(w, e.users);
      break;
    case CallEventType::call_started:
      w.key("participants");
      write_strings(w, e.users);
      break;
    case CallEventType::participant_joined:
      w.key("userId").string(e.user_id).key("name").string(e.name);
      break;
    case CallEventType::participant_left:
      w.key("userId").string(e.user_id).key("reason").string(e.reason);
      break;
    case CallEventType::call_ended:
      w.key("reason").string(e.reason).key("durationSeconds").number(e.duration_seconds).key("endedBy");
      if (e.user_id.empty())
        w.null();
      else
        w.string(e.user_id);
      break;
    case CallEventType::quality_alert:
      w.key("userId").string(e.user_id).key("level").string(e.level ? to_string(*e.level) : "poor");
      w.key("mos").raw(fmt::format("{:.2f}", e.mos));
      break;
  }
  w.end_object();
}

}  // namespace

std::string event_body(const calls::CallEvent& event, std::string_view event_id, std::string_view session_id,
                       std::int64_t sequence) {
  std::string out;
  out.reserve(256);
  JsonWriter w(out);
  w.begin_object()
      .key("id")
      .string(event_id)
      .key("type")
      .string(to_string(event.type))
      .key("sessionId")
      .string(session_id)
      .key("sequence")
      .number(sequence)
      .key("timestamp")
      .string(format_iso8601(event.at))
      .key("data");
  write_data(w, event);
  w.end_object();
  return out;
}

}  // namespace hearth::store
