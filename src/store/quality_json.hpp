#pragma once
// A call's QualitySummary as JSON text, in two shapes that write a participant the same way:
//   stored (call_quality.summary):   {"participants":[P,...]}
//   answer (GET /session/:id/quality `data`, docs/api.md):
//     {"sessionId":"s1","participants":[P + "level",...],"call":{"mosMean":x|null,"mosMin":x|null,"relayed":b}}
//   P = {"userId":"u1","samples":12,"mosMin":3.9,"mosMean":4.2,"worstLossPct":1.5,
//        "establishmentMs":{"client":850|null,"server":420|null},"candidateTypes":["host","srflx"],"relayed":false}
// The answer adds only what is derived: "level" (level_for_mos(mosMean), null when samples is 0) and the call's
// figures (QualitySummary's per-call accessors); the stored text leaves them out. Doubles are written as the shortest
// text that reads back as the same double, so stored text round-trips exactly.
// Thread safety: stateless.
#include <string>
#include <string_view>

#include "calls/quality_summary.hpp"
#include "core/json_writer.hpp"
#include "core/result.hpp"

namespace hearth::store {

// What may be stored: samples >= 0, MOS finite in [0, 5], loss finite in [0, 100], establishment times >= 0.
// The error (invalid_argument) names the participant and the field. Parsing applies the same rules.
Result<void> check_quality(const calls::QualitySummary& q);

// The stored shape. `q` should pass check_quality (a non-finite number is written as null, which does not parse).
std::string quality_to_json_text(const calls::QualitySummary& q);
// Parses the stored shape; errc::internal naming what is wrong for anything else (it never throws).
Result<calls::QualitySummary> quality_from_json_text(std::string_view text);

// The answer's `data` object.
void write_quality_answer(JsonWriter& w, std::string_view session_id, const calls::QualitySummary& q);
std::string quality_answer_json(std::string_view session_id, const calls::QualitySummary& q);

}  // namespace hearth::store
