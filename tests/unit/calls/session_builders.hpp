#pragma once
// Builders shared by the calls tests: a valid request per session type and sessions in a given state, built
// through the policy itself (initiate/activate) so the tests start from states the domain can reach.
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "calls/policy.hpp"
#include "core/clock.hpp"

namespace hearth::calls::test {

inline const Caller kAlice{"alice", "Alice"};
inline const Caller kBob{"bob", "Bob"};
inline const Caller kCarol{"carol", "Carol"};
inline const Caller kDave{"dave", "Dave"};
inline const Caller kMallory{"mallory", "Mallory"};  // never invited

inline InitiateRequest request(SessionType type, std::vector<std::string> invitees) {
  InitiateRequest req;
  req.session_type = type;
  req.participants = std::move(invitees);
  if (type == SessionType::therapy) req.therapy_session_id = "therapy-1";
  return req;
}
inline InitiateRequest one_to_one_request() { return request(SessionType::one_to_one, {"bob"}); }
inline InitiateRequest group_request() { return request(SessionType::group, {"bob", "carol", "dave"}); }

// A waiting session initiated by alice at the clock's current time.
inline CallSession initiated(const InitiateRequest& req, const FakeClock& clock, const Limits& limits = {}) {
  auto r = initiate(req, kAlice, "call_1700000000000_abcdefghi", clock.now(), limits);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return std::move(r).value();
}

// Activates `caller` at the clock's current time, expecting success.
inline void join(CallSession& s, const Caller& caller, const FakeClock& clock, const Limits& limits = {}) {
  auto r = activate(s, caller, "socket-" + caller.user_id, "peer-" + caller.user_id, clock.now(), limits);
  ASSERT_TRUE(r.ok()) << caller.user_id << ": " << r.error().message;
}

// Asserts an invalid_argument error whose message starts with `field` (the field the rule is about).
template <class T>
void expect_invalid(const Result<T>& r, std::string_view field) {
  ASSERT_FALSE(r.ok()) << "expected a validation error about " << field;
  EXPECT_EQ(r.error().code, errc::invalid_argument) << r.error().message;
  EXPECT_TRUE(std::string_view(r.error().message).starts_with(field))
      << "message '" << r.error().message << "' should name " << field;
}

template <class T>
void expect_error(const Result<T>& r, errc code) {
  ASSERT_FALSE(r.ok()) << "expected " << to_string(code);
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
}

}  // namespace hearth::calls::test
