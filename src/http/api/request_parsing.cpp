#include "http/api/request_parsing.hpp"

#include "core/query.hpp"

#include <charconv>

#include <fmt/format.h>
#include <boost/json/parse.hpp>

namespace hearth::http {
namespace json = boost::json;
using calls::InitiateRequest;

namespace {

Error invalid(std::string message) { return make_error(errc::invalid_argument, std::move(message)); }

Result<bool> read_bool(const json::object& o, std::string_view field, std::string_view path, bool fallback) {
  const auto* v = o.if_contains(field);
  if (!v) return fallback;
  if (!v->is_bool()) return invalid(fmt::format("{}: must be a boolean", path));
  return v->get_bool();
}

Result<std::optional<std::string>> read_string(const json::object& o, std::string_view field) {
  const auto* v = o.if_contains(field);
  if (!v || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return invalid(fmt::format("{}: must be a string", field));
  return std::optional<std::string>(std::string(v->get_string()));
}

// `type` gives waitingRoom's default: on for therapy calls (docs/call-controls.md).
Result<calls::CallSettings> read_settings(const json::object& body, calls::SessionType type) {
  calls::CallSettings s;
  s.waiting_room = type == calls::SessionType::therapy;
  const auto* v = body.if_contains("callSettings");
  if (!v || v->is_null()) return s;
  if (!v->is_object()) return invalid("callSettings: must be an object");
  const auto& o = v->get_object();
  struct Field {
    const char* name;
    bool* target;
  };
  for (Field f : {Field{"isVideoEnabled", &s.is_video_enabled}, Field{"isAudioEnabled", &s.is_audio_enabled},
                  Field{"isRecordingEnabled", &s.is_recording_enabled},
                  Field{"allowScreenShare", &s.allow_screen_share}, Field{"waitingRoom", &s.waiting_room}}) {
    auto b = read_bool(o, f.name, fmt::format("callSettings.{}", f.name), *f.target);
    if (!b) return b.error();
    *f.target = *b;
  }
  return s;
}

Result<calls::Metadata> read_metadata(const json::object& body) {
  calls::Metadata m;
  const auto* v = body.if_contains("metadata");
  if (!v || v->is_null()) return m;
  if (!v->is_object()) return invalid("metadata: must be an object");
  const auto& o = v->get_object();
  for (auto [name, target] : {std::pair{"title", &m.title}, std::pair{"description", &m.description}}) {
    const auto* f = o.if_contains(name);
    if (!f || f->is_null()) continue;
    if (!f->is_string()) return invalid(fmt::format("metadata.{}: must be a string", name));
    *target = std::string(f->get_string());
  }
  if (const auto* tags = o.if_contains("tags"); tags && !tags->is_null()) {
    if (!tags->is_array()) return invalid("metadata.tags: must be an array of strings");
    // Bounded before copying: the domain rule (at most 20) is checked again with its message.
    if (tags->get_array().size() > 1000) return invalid("metadata.tags: too many tags");
    for (std::size_t i = 0; i < tags->get_array().size(); ++i) {
      const auto& t = tags->get_array()[i];
      if (!t.is_string()) return invalid(fmt::format("metadata.tags[{}]: must be a string", i));
      m.tags.emplace_back(t.get_string());
    }
  }
  return m;
}

Result<int> parse_positive(std::string_view text, std::string_view field) {
  int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size())
    return invalid(fmt::format("{}: must be an integer", field));
  return value;
}

}  // namespace

Result<json::value> parse_json_body(std::string_view body) {
  if (body.empty()) return invalid("body: a JSON object is required");
  json::parse_options opts;
  opts.max_depth = 32;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, {}, opts);
  if (ec) return make_error(errc::invalid_argument, "body: malformed JSON", ec.message());
  if (!v.is_object()) return invalid("body: must be a JSON object");
  return v;
}

Result<InitiateRequest> parse_initiate(const json::value& body) {
  const auto& o = body.get_object();
  InitiateRequest req;
  const auto* type = o.if_contains("sessionType");
  if (!type || !type->is_string()) return invalid("sessionType: required, one of one-to-one, group, therapy");
  const auto parsed_type = calls::parse_session_type(type->get_string());
  if (!parsed_type) return invalid("sessionType: must be one of one-to-one, group, therapy");
  req.session_type = *parsed_type;

  const auto* participants = o.if_contains("participants");
  if (!participants || !participants->is_array()) return invalid("participants: required, an array of user ids");
  const auto& arr = participants->get_array();
  if (arr.size() > 10'000) return invalid("participants: too many user ids");  // before copying anything
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_string()) return invalid(fmt::format("participants[{}]: must be a string", i));
    req.participants.emplace_back(arr[i].get_string());
  }

  auto settings = read_settings(o, req.session_type);
  if (!settings) return settings.error();
  req.call_settings = *settings;
  auto metadata = read_metadata(o);
  if (!metadata) return metadata.error();
  req.metadata = std::move(*metadata);

  auto therapy = read_string(o, "therapySessionId");
  if (!therapy) return therapy.error();
  req.therapy_session_id = std::move(*therapy);

  if (const auto* max = o.if_contains("maxParticipants"); max && !max->is_null()) {
    if (!max->is_int64() && !max->is_uint64()) return invalid("maxParticipants: must be an integer");
    const auto n = max->is_int64() ? max->get_int64()
                                   : static_cast<std::int64_t>(std::min<std::uint64_t>(max->get_uint64(), 1'000'000));
    req.max_participants = static_cast<int>(std::clamp<std::int64_t>(n, -1, 1'000'000));
  }
  return req;
}

Result<calls::MediaUpdate> parse_media_update(const json::value& body) {
  return calls::read_media_update(body.get_object(), "body");
}

Result<store::HistoryQuery> parse_history_query(std::string_view query_string) {
  store::HistoryQuery q;
  for (const auto& [key, value] : parse_query(query_string)) {
    if (key == "page") {
      auto n = parse_positive(value, "page");
      if (!n) return n.error();
      if (*n < 1 || *n > 1'000'000) return invalid("page: must be between 1 and 1000000");
      q.page = *n;
    } else if (key == "limit") {
      auto n = parse_positive(value, "limit");
      if (!n) return n.error();
      if (*n < 1 || *n > 100) return invalid("limit: must be between 1 and 100");
      q.limit = *n;
    } else if (key == "status") {
      auto s = calls::parse_status(value);
      if (!s) return invalid("status: must be one of waiting, active, ended");
      q.status = *s;
    }
  }
  return q;
}

Result<store::ChatQuery> parse_chat_query(std::string_view query_string) {
  store::ChatQuery q;
  for (const auto& [key, value] : parse_query(query_string)) {
    if (key == "before") {
      std::int64_t seq = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seq);
      if (ec != std::errc{} || ptr != value.data() + value.size() || seq < 1)
        return invalid("before: must be a positive integer (a message's seq)");
      q.before_seq = seq;
    } else if (key == "limit") {
      auto n = parse_positive(value, "limit");
      if (!n) return n.error();
      if (*n < 1 || *n > 100) return invalid("limit: must be between 1 and 100");
      q.limit = *n;
    }
  }
  return q;
}

}  // namespace hearth::http
