#include "store/quality_json.hpp"

#include <charconv>
#include <cmath>
#include <optional>

#include <boost/json/parse.hpp>

#include "core/json_arena.hpp"

namespace hearth::store {
namespace json = boost::json;
using calls::ParticipantQuality;
using calls::QualitySummary;

namespace {

void write_double(JsonWriter& w, double d) {
  if (!std::isfinite(d)) {
    w.null();
    return;
  }
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, d).ptr;  // shortest text that reads back as `d`
  w.raw(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

template <class T>
void write_optional(JsonWriter& w, const std::optional<T>& v) {
  if (!v)
    w.null();
  else if constexpr (std::is_same_v<T, double>)
    write_double(w, *v);
  else
    w.number(*v);
}

// Leaves the participant's object open, so the answer can add "level".
void begin_participant(JsonWriter& w, const ParticipantQuality& p) {
  w.begin_object();
  w.key("userId").string(p.user_id).key("samples").number(p.samples);
  w.key("mosMin");
  write_double(w, p.mos_min);
  w.key("mosMean");
  write_double(w, p.mos_mean);
  w.key("worstLossPct");
  write_double(w, p.worst_loss_pct);
  w.key("establishmentMs").begin_object().key("client");
  write_optional(w, p.establishment_client_ms);
  w.key("server");
  write_optional(w, p.establishment_server_ms);
  w.end_object();
  w.key("candidateTypes").begin_array();
  for (const auto& t : p.candidate_types) w.string(t);
  w.end_array();
  w.key("relayed").boolean(p.relayed);
}

// Checked readers over the stored text: the first mismatch is remembered and ends the parse.
struct Reader {
  std::string failed;  // the field that did not match, empty while everything did

  const json::value* field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v && failed.empty()) failed = key;
    return v;
  }
  void fail(std::string_view key) {
    if (failed.empty()) failed = key;
  }
  static std::optional<double> as_double(const json::value& v) {
    if (v.is_double()) return v.get_double();
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    return std::nullopt;
  }
  double number(const json::object& o, std::string_view key) {
    const auto* v = field(o, key);
    const auto d = v ? as_double(*v) : std::nullopt;
    if (!d) fail(key);
    return d.value_or(0);
  }
  std::optional<std::int64_t> opt_integer(const json::object& o, std::string_view key) {
    const auto* v = field(o, key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    fail(key);
    return std::nullopt;
  }
};

ParticipantQuality read_participant(Reader& r, const json::object& o) {
  ParticipantQuality p;
  if (const auto* v = r.field(o, "userId"); v && v->is_string())
    p.user_id = v->get_string();
  else
    r.fail("userId");
  if (const auto* v = r.field(o, "samples"); v && v->is_int64() && v->get_int64() <= INT32_MAX)
    p.samples = static_cast<int>(v->get_int64());
  else
    r.fail("samples");
  p.mos_min = r.number(o, "mosMin");
  p.mos_mean = r.number(o, "mosMean");
  p.worst_loss_pct = r.number(o, "worstLossPct");
  if (const auto* v = r.field(o, "establishmentMs"); v && v->is_object()) {
    p.establishment_client_ms = r.opt_integer(v->get_object(), "client");
    p.establishment_server_ms = r.opt_integer(v->get_object(), "server");
  } else {
    r.fail("establishmentMs");
  }
  if (const auto* v = r.field(o, "candidateTypes"); v && v->is_array()) {
    for (const auto& t : v->get_array()) {
      if (t.is_string())
        p.candidate_types.emplace_back(t.get_string());
      else
        r.fail("candidateTypes");
    }
  } else {
    r.fail("candidateTypes");
  }
  if (const auto* v = r.field(o, "relayed"); v && v->is_bool())
    p.relayed = v->get_bool();
  else
    r.fail("relayed");
  return p;
}

}  // namespace

Result<void> check_quality(const QualitySummary& q) {
  for (std::size_t i = 0; i < q.participants.size(); ++i) {
    const auto& p = q.participants[i];
    const auto bad = [&](std::string_view field, std::string_view rule) {
      return make_error(errc::invalid_argument, "quality summary: participants[" + std::to_string(i) + "]." +
                                                    std::string(field) + " " + std::string(rule));
    };
    const auto in = [](double v, double lo, double hi) { return std::isfinite(v) && v >= lo && v <= hi; };
    if (p.samples < 0) return bad("samples", "must be >= 0");
    if (!in(p.mos_min, 0, 5)) return bad("mosMin", "must be between 0 and 5");
    if (!in(p.mos_mean, 0, 5)) return bad("mosMean", "must be between 0 and 5");
    if (!in(p.worst_loss_pct, 0, 100)) return bad("worstLossPct", "must be between 0 and 100");
    if (p.establishment_client_ms && *p.establishment_client_ms < 0)
      return bad("establishmentMs.client", "must be >= 0");
    if (p.establishment_server_ms && *p.establishment_server_ms < 0)
      return bad("establishmentMs.server", "must be >= 0");
  }
  return {};
}

std::string quality_to_json_text(const QualitySummary& q) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("participants").begin_array();
  for (const auto& p : q.participants) {
    begin_participant(w, p);
    w.end_object();
  }
  w.end_array().end_object();
  return out;
}

Result<QualitySummary> quality_from_json_text(std::string_view text) {
  JsonArena arena;
  boost::system::error_code ec;
  const auto value = json::parse(text, ec, arena.storage());
  if (ec) return make_error(errc::internal, "corrupt quality summary", ec.message());
  const auto* o = value.if_object();
  const auto* list = o ? o->if_contains("participants") : nullptr;
  if (!list || !list->is_array()) return make_error(errc::internal, "corrupt quality summary", "participants");
  Reader r;
  QualitySummary q;
  for (const auto& v : list->get_array()) {
    if (!v.is_object()) return make_error(errc::internal, "corrupt quality summary", "participant");
    q.participants.push_back(read_participant(r, v.get_object()));
    if (!r.failed.empty()) return make_error(errc::internal, "corrupt quality summary", r.failed);
  }
  if (auto checked = check_quality(q); !checked)
    return make_error(errc::internal, "corrupt quality summary", checked.error().message);
  return q;
}

void write_quality_answer(JsonWriter& w, std::string_view session_id, const QualitySummary& q) {
  w.begin_object().key("sessionId").string(session_id).key("participants").begin_array();
  for (const auto& p : q.participants) {
    begin_participant(w, p);
    w.key("level");
    if (p.samples > 0)
      w.string(to_string(calls::level_for_mos(p.mos_mean)));
    else
      w.null();
    w.end_object();
  }
  w.end_array();
  w.key("call").begin_object().key("mosMean");
  write_optional(w, q.mos_mean());
  w.key("mosMin");
  write_optional(w, q.mos_min());
  w.key("relayed").boolean(q.relayed());
  w.end_object().end_object();
}

std::string quality_answer_json(std::string_view session_id, const QualitySummary& q) {
  std::string out;
  JsonWriter w(out);
  write_quality_answer(w, session_id, q);
  return out;
}

}  // namespace hearth::store
