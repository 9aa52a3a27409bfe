// Fuzz target for REST request bodies and queries through validation (http/api/request_parsing, calls/policy). The
// first byte picks the endpoint; the rest is its body (or query string). Properties:
//  - parse_json_body() accepts exactly the JSON objects Boost.JSON parses within the depth limit;
//  - what parse_initiate() / parse_media_update() accept says what the body says (checked field by field against
//    Boost.JSON's tree), and what the domain then accepts is a session within every limit, whose stored document
//    reads back to the same session;
//  - parse_history_query() gives a page and limit within their ranges, taken from the query.
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "calls/policy.hpp"
#include "core/ids.hpp"
#include "core/query.hpp"
#include "fuzz_check.hpp"
#include "http/api/request_parsing.hpp"
#include "store/session_json.hpp"

namespace {

using namespace hearth;
namespace json = boost::json;

std::string_view as_view(const json::string& s) { return {s.data(), s.size()}; }

bool optional_bool_matches(const json::object& o, std::string_view key, bool actual, bool fallback) {
  const auto* v = o.if_contains(key);
  return v == nullptr ? actual == fallback : v->is_bool() && v->get_bool() == actual;
}

// Text limits count characters (code points), as people read them: every byte that does not continue a UTF-8
// sequence starts one (the text is valid UTF-8, Boost.JSON checked).
std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) >> 6) != 2 ? 1 : 0;
  return n;
}

void check_session(const calls::InitiateRequest& req, const calls::CallSession& s, const calls::Limits& limits) {
  HEARTH_FUZZ_CHECK(!s.participants.empty() && s.participants[0].user_id == "caller");
  HEARTH_FUZZ_CHECK(s.invitees.size() <= static_cast<std::size_t>(limits.max_invitees));
  HEARTH_FUZZ_CHECK(s.max_participants >= 2 && s.max_participants <= limits.max_call_participants);
  std::set<std::string_view> ids;
  for (const auto& p : s.participants) {
    HEARTH_FUZZ_CHECK(is_valid_id(p.user_id));
    HEARTH_FUZZ_CHECK(ids.insert(p.user_id).second);  // nobody twice
  }
  for (const auto& id : s.invitees) HEARTH_FUZZ_CHECK(ids.contains(id));
  HEARTH_FUZZ_CHECK(code_points(s.metadata.title) <= limits.max_title);
  HEARTH_FUZZ_CHECK(code_points(s.metadata.description) <= limits.max_description);
  HEARTH_FUZZ_CHECK(s.metadata.tags.size() <= limits.max_tags);
  for (const auto& t : s.metadata.tags) HEARTH_FUZZ_CHECK(code_points(t) <= limits.max_tag_length);
  HEARTH_FUZZ_CHECK((s.session_type == calls::SessionType::therapy) == req.therapy_session_id.has_value());

  // What the store keeps reads back as the same session (the deadline lives in its own column).
  const std::string doc = store::to_json_text(s);
  HEARTH_FUZZ_CHECK(store::is_document_text(doc));
  boost::system::error_code ec;
  const json::value v = json::parse(doc, ec);
  HEARTH_FUZZ_CHECK(!ec);
  auto back = store::session_from_json(v);
  HEARTH_FUZZ_CHECK(back.ok());
  back->deadline = s.deadline;
  HEARTH_FUZZ_CHECK(*back == s);
}

void initiate(const json::value& body) {
  const auto req = http::parse_initiate(body);
  const auto& o = body.get_object();
  if (!req) {
    HEARTH_FUZZ_CHECK(req.error().code == errc::invalid_argument && !req.error().message.empty());
    return;
  }
  const auto& type = o.at("sessionType").as_string();
  HEARTH_FUZZ_CHECK(calls::to_string(req->session_type) == as_view(type));
  const auto& participants = o.at("participants").as_array();
  HEARTH_FUZZ_CHECK(participants.size() == req->participants.size());
  for (std::size_t i = 0; i < participants.size(); ++i)
    HEARTH_FUZZ_CHECK(as_view(participants[i].as_string()) == req->participants[i]);
  if (const auto* settings = o.if_contains("callSettings"); settings && settings->is_object()) {
    const auto& so = settings->get_object();
    const calls::CallSettings defaults;
    HEARTH_FUZZ_CHECK(
        optional_bool_matches(so, "isVideoEnabled", req->call_settings.is_video_enabled, defaults.is_video_enabled));
    HEARTH_FUZZ_CHECK(
        optional_bool_matches(so, "isAudioEnabled", req->call_settings.is_audio_enabled, defaults.is_audio_enabled));
    HEARTH_FUZZ_CHECK(optional_bool_matches(so, "isRecordingEnabled", req->call_settings.is_recording_enabled,
                                            defaults.is_recording_enabled));
    HEARTH_FUZZ_CHECK(optional_bool_matches(so, "allowScreenShare", req->call_settings.allow_screen_share,
                                            defaults.allow_screen_share));
  }
  if (const auto* t = o.if_contains("therapySessionId"); t && t->is_string())
    HEARTH_FUZZ_CHECK(req->therapy_session_id == std::string(as_view(t->get_string())));
  else
    HEARTH_FUZZ_CHECK(!req->therapy_session_id);

  const calls::Limits limits;
  const auto session = calls::initiate(*req, calls::Caller{"caller", "Caller"}, "call_1700000000000_abcdefghi",
                                       from_epoch_ms(1'700'000'000'000), limits);
  if (!session) {
    HEARTH_FUZZ_CHECK(session.error().code != errc::internal && !session.error().message.empty());
    return;
  }
  check_session(*req, *session, limits);
}

void media(const json::value& body) {
  const auto update = http::parse_media_update(body);
  if (!update) return;
  const auto& o = body.get_object();
  const calls::MediaState before{true, false, true};
  const calls::MediaState after = update->applied_to(before);
  HEARTH_FUZZ_CHECK(optional_bool_matches(o, "hasVideo", after.has_video, before.has_video));
  HEARTH_FUZZ_CHECK(optional_bool_matches(o, "hasAudio", after.has_audio, before.has_audio));
  HEARTH_FUZZ_CHECK(optional_bool_matches(o, "isScreenSharing", after.is_screen_sharing, before.is_screen_sharing));
}

void history(std::string_view query) {
  const auto q = http::parse_history_query(query);
  if (!q) {
    HEARTH_FUZZ_CHECK(q.error().code == errc::invalid_argument);
    return;
  }
  HEARTH_FUZZ_CHECK(q->page >= 1 && q->page <= 1'000'000 && q->limit >= 1 && q->limit <= 100);
  const auto params = parse_query(query);
  const auto last = [&](std::string_view key) {
    std::string value;
    bool found = false;
    for (const auto& [k, v] : params)
      if (k == key) value = v, found = true;
    return found ? std::optional<std::string>(value) : std::nullopt;
  };
  const auto number = [](const std::string& text) {
    long long n = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    return ec == std::errc() && end == text.data() + text.size() ? n : -1;
  };
  if (const auto page = last("page")) HEARTH_FUZZ_CHECK(number(*page) == q->page);
  if (const auto limit = last("limit")) HEARTH_FUZZ_CHECK(number(*limit) == q->limit);
  if (const auto status = last("status")) HEARTH_FUZZ_CHECK(q->status && calls::to_string(*q->status) == *status);
}

}  // namespace

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 3 == 2) {
    history(rest);
    return 0;
  }
  const auto body = http::parse_json_body(rest);
  json::parse_options opts;
  opts.max_depth = 32;
  boost::system::error_code ec;
  const json::value expected = json::parse(rest, ec, {}, opts);
  HEARTH_FUZZ_CHECK(body.ok() == (!rest.empty() && !ec && expected.is_object()));
  if (!body) return 0;
  HEARTH_FUZZ_CHECK(*body == expected);
  if (data[0] % 3 == 0)
    initiate(*body);
  else
    media(*body);
  return 0;
}
