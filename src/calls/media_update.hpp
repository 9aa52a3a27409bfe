#pragma once
// A change of a participant's media state as clients send it, by REST (PUT .../media) and by Socket.IO
// (media_state_changed): any of hasVideo, hasAudio, isScreenSharing, each a boolean, at least one. Read here once
// for both. The domain has no JSON dependency, so the reader is a template over the JSON object type (Boost.JSON's,
// instantiated by the callers).
// Thread safety: stateless.
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "calls/call_session.hpp"
#include "core/result.hpp"

namespace hearth::calls {

struct MediaUpdate {
  std::optional<bool> has_video;
  std::optional<bool> has_audio;
  std::optional<bool> is_screen_sharing;

  // `current` with the flags given replaced.
  MediaState applied_to(MediaState current) const {
    if (has_video) current.has_video = *has_video;
    if (has_audio) current.has_audio = *has_audio;
    if (is_screen_sharing) current.is_screen_sharing = *is_screen_sharing;
    return current;
  }
};

// Reads the flags of JSON object `o` (anything with Boost.JSON's if_contains / is_bool / get_bool). Errors are
// invalid_argument: "hasVideo: must be a boolean", or "<container>: give at least one of ..." where `container`
// names `o` to the client ("body", "payload").
template <class JsonObject>
Result<MediaUpdate> read_media_update(const JsonObject& o, std::string_view container) {
  MediaUpdate u;
  for (auto [name, target] : {std::pair{"hasVideo", &u.has_video}, std::pair{"hasAudio", &u.has_audio},
                              std::pair{"isScreenSharing", &u.is_screen_sharing}}) {
    const auto* v = o.if_contains(name);
    if (!v) continue;
    if (!v->is_bool()) return make_error(errc::invalid_argument, fmt::format("{}: must be a boolean", name));
    *target = v->get_bool();
  }
  if (!u.has_video && !u.has_audio && !u.is_screen_sharing)
    return make_error(errc::invalid_argument,
                      fmt::format("{}: give at least one of hasVideo, hasAudio, isScreenSharing", container));
  return u;
}

}  // namespace hearth::calls
