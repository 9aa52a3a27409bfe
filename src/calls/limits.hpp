#pragma once
// Configured limits of the call domain, with the defaults of the design and the issues.
#include <chrono>

namespace hearth::calls {

struct Limits {
  int max_call_participants = 8;          // MAX_CALL_PARTICIPANTS: people in one call at once
  int max_invitees = 50;                  // MAX_INVITEES: people a group/therapy call may invite
  std::chrono::seconds ring_timeout{60};  // CALL_RING_TIMEOUT_SECONDS: waiting -> missed
  std::chrono::minutes call_timeout{60};  // CALL_TIMEOUT_MINUTES: active -> ended (timeout)
  std::size_t max_title = 200;
  std::size_t max_description = 2000;
  std::size_t max_tags = 20;
  std::size_t max_tag_length = 50;
};

}  // namespace hearth::calls
