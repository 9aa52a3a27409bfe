// Fuzz target for the stored session document (store/session_json): what the store reads back from its rows. The
// document is trusted, but a damaged row must turn into an error, never a crash or a session that writes back
// differently. Properties:
//  - is_document_text() (the check a history answer relies on) accepts exactly one JSON object, as Boost.JSON does;
//  - a document session_from_json() accepts writes back (to_json_text) to a document that reads as the same session,
//    and writing that again gives the same text (a fixed point after one round);
//  - documents written from sessions built from the input always read back to those sessions.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "fuzz_check.hpp"
#include "store/session_json.hpp"

namespace {

using namespace hearth;
namespace json = boost::json;

Result<calls::CallSession> read(std::string_view doc) {
  boost::system::error_code ec;
  json::monotonic_resource mr;
  const json::value v = json::parse(doc, ec, &mr);
  HEARTH_FUZZ_CHECK(!ec);
  return store::session_from_json(v);
}

void round_trip(const calls::CallSession& s) {
  const std::string doc = store::to_json_text(s);
  HEARTH_FUZZ_CHECK(store::is_document_text(doc));
  auto back = read(doc);
  HEARTH_FUZZ_CHECK(back.ok());
  back->deadline = s.deadline;  // not part of the document
  HEARTH_FUZZ_CHECK(*back == s);
  HEARTH_FUZZ_CHECK(store::to_json_text(*back) == doc);
}

// A session whose strings and numbers come from the input (what the API could have stored).
calls::CallSession built_from(std::string_view input) {
  const auto piece = [&](std::size_t i) {
    const std::size_t n = input.size();
    return n == 0 ? std::string() : std::string(input.substr((i * 7) % n, (i * 13) % 40));
  };
  const auto byte = [&](std::size_t i) -> std::size_t {
    return input.empty() ? 0 : static_cast<unsigned char>(input[i % input.size()]);
  };
  calls::CallSession s;
  s.session_id = piece(1);
  s.session_type = static_cast<calls::SessionType>(byte(0) % 3);
  s.initiator_id = piece(2);
  s.status = static_cast<calls::Status>(byte(1) % 3);
  s.end_reason = static_cast<calls::EndReason>(byte(2) % 6);
  s.max_participants = static_cast<int>(byte(3));
  s.duration_seconds = static_cast<std::int64_t>(byte(4)) << (byte(5) % 40);
  // Whole milliseconds within years 1970..9999, which ISO 8601 with milliseconds represents exactly.
  const auto time = [&](std::size_t i) {
    return from_epoch_ms(
        static_cast<std::int64_t>(byte(i) * 1'000'003ULL * byte(i + 1) * 977ULL % 253'402'300'799'000ULL));
  };
  s.created_at = time(6);
  if (byte(8) & 1) s.start_time = time(9);
  if (byte(8) & 2) s.end_time = time(11);
  if (byte(8) & 4) s.ended_by = piece(3);
  if (byte(8) & 8) s.therapy_session_id = piece(4);
  s.call_settings = {(byte(8) & 16) != 0, (byte(8) & 32) != 0, (byte(8) & 64) != 0, (byte(8) & 128) != 0};
  s.metadata.title = piece(5);
  s.metadata.description = piece(6);
  for (std::size_t i = 0; i < byte(13) % 4; ++i) s.metadata.tags.push_back(piece(7 + i));
  for (std::size_t i = 0; i < byte(14) % 4; ++i) s.invitees.push_back(piece(11 + i));
  for (std::size_t i = 0; i < byte(15) % 4; ++i) {
    calls::Participant p;
    p.user_id = piece(15 + i);
    p.name = piece(19 + i);
    p.socket_id = piece(23 + i);
    p.peer_id = piece(27 + i);
    const std::size_t flags = byte(16 + i);
    if (flags & 1) p.joined_at = time(20 + i);
    if (flags & 2) p.left_at = time(24 + i);
    p.is_active = (flags & 4) != 0;
    p.media = {(flags & 8) != 0, (flags & 16) != 0, (flags & 32) != 0};
    p.left_reason = static_cast<calls::LeaveReason>((flags >> 6) % 5);
    p.role = static_cast<calls::Role>(byte(40 + i) % 3);
    p.audio_locked = (byte(44 + i) & 1) != 0;
    p.video_locked = (byte(44 + i) & 2) != 0;
    s.participants.push_back(std::move(p));
  }
  // The call controls (docs/call-controls.md).
  s.call_settings.waiting_room = (byte(48) & 1) != 0;
  s.locked = (byte(48) & 2) != 0;
  for (std::size_t i = 0; i < byte(49) % 3; ++i)
    s.waiting.push_back({piece(31 + i), piece(34 + i), piece(37 + i), piece(40 + i), time(50 + i)});
  for (std::size_t i = 0; i < byte(53) % 3; ++i) s.removed_users.push_back(piece(43 + i));
  for (std::size_t i = 0; i < byte(54) % 3; ++i)
    s.moderation.push_back({static_cast<calls::ModerationAction>(byte(55 + i) % 11), piece(46 + i), piece(49 + i),
                            time(58 + i), (byte(55 + i) & 64) != 0});
  if (byte(61) & 1) {
    calls::BreakoutRound b;
    for (std::size_t i = 0; i < byte(62) % 3; ++i) b.rooms.push_back({piece(52 + i), piece(55 + i), {piece(58 + i)}});
    if (byte(61) & 2) b.visits.push_back({piece(61), piece(62)});
    b.opened_at = time(63);
    if (byte(61) & 4) b.ends_at = time(65);
    b.by_user_id = piece(63);
    s.breakout = std::move(b);
  }
  for (std::size_t i = 0; i < byte(67) % 3; ++i)
    s.breakout_history.push_back({piece(64 + i), piece(67 + i), {piece(70 + i)}, time(68 + i), time(70 + i)});
  s.breakout_rounds = static_cast<int>(byte(72));
  return s;
}

bool utf8_everywhere(const calls::CallSession& s) {
  boost::system::error_code ec;
  // to_json_text copies bytes as they are (the API only stores UTF-8): check with a parse of the document.
  json::monotonic_resource mr;
  (void)json::parse(store::to_json_text(s), ec, &mr);
  return !ec;
}

}  // namespace

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  boost::system::error_code ec;
  json::monotonic_resource mr;
  const json::value v = json::parse(input, ec, &mr);
  HEARTH_FUZZ_CHECK(store::is_document_text(input) == (!ec && v.is_object()));
  if (!ec) {
    if (const auto s = store::session_from_json(v)) {
      round_trip(*s);
    } else {
      HEARTH_FUZZ_CHECK(s.error().code == errc::internal);
    }
  }

  const calls::CallSession built = built_from(input);
  if (utf8_everywhere(built)) round_trip(built);
  return 0;
}
