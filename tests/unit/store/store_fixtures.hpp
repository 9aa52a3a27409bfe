#pragma once
// Shared by the store tests: sample sessions, a temporary directory, and a synchronous wrapper over
// Store::execute.
// Thread safety: TempDir and the builders are for one test thread; run() blocks until the store answers.
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "calls/call_session.hpp"
#include "store/store.hpp"

namespace hearth::store::test {

inline TimePoint at(std::int64_t ms) { return from_epoch_ms(ms); }

// "s" + std::to_string(i) trips GCC 12's -Wrestrict false positive at -O3 (GCC bug 105329).
inline std::string numbered(std::string prefix, int i) {
  prefix += std::to_string(i);
  return prefix;
}

// A waiting session created at `created_ms` by `initiator`, inviting `invitees`.
inline calls::CallSession make_session(std::string id, std::string initiator, std::vector<std::string> invitees = {},
                                       std::int64_t created_ms = 1'700'000'000'000) {
  calls::CallSession s;
  s.session_id = std::move(id);
  s.session_type = invitees.size() == 1 ? calls::SessionType::one_to_one : calls::SessionType::group;
  s.initiator_id = std::move(initiator);
  s.invitees = std::move(invitees);
  s.max_participants = 8;
  s.created_at = at(created_ms);
  s.deadline = at(created_ms + 60'000);
  calls::Participant p;
  p.user_id = s.initiator_id;
  p.name = "Initiator";
  p.role = calls::Role::host;  // as calls::initiate makes it
  s.participants.push_back(p);
  p.role = calls::Role::participant;
  for (const auto& u : s.invitees) {
    p.user_id = u;
    p.name = "Invitee " + u;
    s.participants.push_back(p);
  }
  return s;
}

// Every field set to a non-default value, with unicode and JSON-special characters in the strings.
inline calls::CallSession make_full_session() {
  auto s = make_session("sess-full", "u-init", {"u-b", "u-c"}, 1'700'000'000'123);
  s.session_type = calls::SessionType::therapy;
  s.max_participants = 3;
  s.status = calls::Status::ended;
  s.start_time = at(1'700'000'005'000);
  s.end_time = at(1'700'000'065'999);
  s.duration_seconds = 60;
  s.end_reason = calls::EndReason::ended_by_user;
  s.ended_by = "u-init";
  s.call_settings = {false, false, true, false, true};
  s.therapy_session_id = "therapy-42";
  s.metadata.title = "Séance — 日本語 🎉";
  s.metadata.description = "quote \" backslash \\ newline \n tab \t nul-free";
  s.metadata.tags = {"ünïcødé", "emoji 😀", "", "plain"};
  auto& p = s.participants[1];
  p.name = "Zoë 王";
  p.socket_id = "sock-1";
  p.peer_id = "peer-1";
  p.joined_at = at(1'700'000'004'000);
  p.left_at = at(1'700'000'060'000);
  p.is_active = false;
  p.media = {false, true, true};
  p.left_reason = calls::LeaveReason::disconnected;
  p.role = calls::Role::cohost;
  p.audio_locked = true;
  p.video_locked = true;
  s.participants[2].left_reason = calls::LeaveReason::removed;
  s.participants[0].is_active = true;
  s.waiting = {{"u-c", "Wäiting \"C\"", "sock-c", "peer-c", at(1'700'000'006'000)}};
  s.locked = true;
  s.removed_users = {"u-c"};
  s.moderation = {{calls::ModerationAction::mute_audio, "u-b", "u-init", at(1'700'000'007'000), true},
                  {calls::ModerationAction::lock, "", "u-init", at(1'700'000'008'000), false}};
  s.breakout = calls::BreakoutRound{{{"r2-1", "Salle « 1 »", {"u-b"}}, {"r2-2", "Room 2", {}}},
                                    {{"u-init", "r2-2"}, {"u-c", ""}},
                                    at(1'700'000'009'000),
                                    at(1'700'000'069'000),
                                    "u-init"};
  s.breakout_history = {{"r1-1", "First", {"u-b", "u-c"}, at(1'700'000'001'000), at(1'700'000'002'000)}};
  s.breakout_rounds = 2;
  s.deadline = {};  // not part of the document
  return s;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hearth-store-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Runs `op` through the store and waits for its completion.
template <class T>
Result<T> run(Store& store, std::function<Result<T>(Repository&)> op) {
  std::promise<Result<T>> done;
  auto result = done.get_future();
  store.execute<T>(std::move(op), [&done](Result<T> r) { done.set_value(std::move(r)); });
  return result.get();
}

// The code of the StoreError `f` throws (a test failure, and internal, when it throws none).
inline errc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.code();
  }
  ADD_FAILURE() << "no StoreError thrown";
  return errc::internal;
}

}  // namespace hearth::store::test
