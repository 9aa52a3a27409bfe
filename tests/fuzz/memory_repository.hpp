#pragma once
// An in-memory Repository for the HTTP fuzz target: the REST API runs its real store operations (through the real
// Store thread) against it, at a fraction of SQLite's cost per execution, and reset() gives every input the same
// empty state. Savepoints copy the maps (sessions, quality summaries, chat), so a failed operation leaves nothing
// behind, as in SQLite.
// Thread safety: like every Repository, used from the store thread only; reset() only while nothing is queued.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/repository.hpp"
#include "store/session_json.hpp"

namespace hearth::fuzz {

class MemoryRepository final : public store::Repository {
 public:
  void reset() {
    sessions_.clear();
    saved_.clear();
    quality_.clear();
    saved_quality_.clear();
    chat_.clear();
    saved_chat_.clear();
    next_message_ = 0;
  }

  int migrate() override { return 0; }
  int schema_version() override { return 1; }
  void begin() override {}
  void commit() override {}
  void rollback() override {}
  void savepoint() override {
    saved_ = sessions_;
    saved_quality_ = quality_;
    saved_chat_ = chat_;
  }
  void release_savepoint() override {}
  void rollback_to_savepoint() override {
    sessions_ = saved_;
    quality_ = saved_quality_;
    chat_ = saved_chat_;
  }

  void insert(const calls::CallSession& s) override {
    if (!sessions_.emplace(s.session_id, s).second) throw store::StoreError(errc::conflict, "duplicate session id");
  }
  std::optional<calls::CallSession> find(std::string_view session_id, bool) override {
    const auto it = sessions_.find(std::string(session_id));
    if (it == sessions_.end()) return std::nullopt;
    return it->second;
  }
  void update(const calls::CallSession& s) override {
    const auto it = sessions_.find(s.session_id);
    if (it == sessions_.end()) throw store::StoreError(errc::not_found, "no such session");
    it->second = s;
  }
  store::HistoryPage history(const store::HistoryQuery& q) override {
    if (q.page < 1 || q.limit < 1 || q.limit > 100) throw store::StoreError(errc::invalid_argument, "history query");
    std::vector<const calls::CallSession*> matching;
    for (const auto& [id, s] : sessions_)
      if (s.is_member(q.user_id) && (!q.status || s.status == *q.status)) matching.push_back(&s);
    std::sort(matching.begin(), matching.end(), [](const auto* a, const auto* b) {
      return a->created_at != b->created_at ? a->created_at > b->created_at : a->session_id > b->session_id;
    });
    store::HistoryPage page;
    page.total = static_cast<std::int64_t>(matching.size());
    const auto first = static_cast<std::size_t>(q.page - 1) * static_cast<std::size_t>(q.limit);
    for (std::size_t i = first; i < matching.size() && i < first + static_cast<std::size_t>(q.limit); ++i)
      page.documents.push_back(store::to_json_text(*matching[i]));
    return page;
  }
  std::vector<std::string> due(TimePoint now, int limit) override {
    std::vector<std::string> out;
    for (const auto& [id, s] : sessions_)
      if (s.status != calls::Status::ended && s.deadline <= now && out.size() < static_cast<std::size_t>(limit))
        out.push_back(id);
    return out;
  }
  void ping() override {}

  // Chat: each session's messages in seq order (seq = index + 1); message ids from a counter (unique per reset).
  std::pair<store::ChatMessage, bool> append_chat(store::ChatMessage m) override {
    if (!sessions_.contains(m.session_id)) throw store::StoreError(errc::not_found, "no such session");
    auto& messages = chat_[m.session_id];
    for (const auto& stored : messages)
      if (stored.from_user_id == m.from_user_id && stored.client_message_id == m.client_message_id)
        return {stored, false};
    m.seq = static_cast<std::int64_t>(messages.size()) + 1;
    m.message_id = "msg_" + std::to_string(++next_message_);
    messages.push_back(m);
    return {std::move(m), true};
  }
  store::ChatPage chat_page(const store::ChatQuery& q) override {
    store::ChatPage page;
    const auto it = chat_.find(q.session_id);
    if (it == chat_.end()) return page;
    const auto limit = static_cast<std::size_t>(std::clamp(q.limit, 1, 100));
    for (auto m = it->second.rbegin(); m != it->second.rend(); ++m) {
      if (q.before_seq && m->seq >= *q.before_seq) continue;
      if (!store::chat_visible_to(*m, q.viewer_user_id, q.viewer_is_host)) continue;
      if (page.messages.size() == limit) {
        page.has_more = true;
        break;
      }
      page.messages.push_back(*m);
    }
    std::reverse(page.messages.begin(), page.messages.end());
    return page;
  }

  // Quality summaries are kept (copied by savepoints like the sessions). Analytics are kept only as far as the
  // sessions tell: analytics() counts the sessions created in the range (ended ones as recorded, by type, end
  // reason and duration; the others as ongoing) and gives every series point and day of the range, so the
  // endpoint's validation and answer are exercised in full; nothing is recorded, sampled or counted.
  void save_quality(std::string_view session_id, const calls::QualitySummary& summary) override {
    if (!sessions_.contains(std::string(session_id))) throw store::StoreError(errc::not_found, "no such session");
    quality_[std::string(session_id)] = summary;
  }
  std::optional<calls::QualitySummary> load_quality(std::string_view session_id) override {
    const auto it = quality_.find(std::string(session_id));
    if (it == quality_.end()) return std::nullopt;
    return it->second;
  }
  int record_ended(TimePoint, int) override { return 0; }
  void sample_concurrency(TimePoint) override {}
  void add_usage_counts(const store::UsageCounts&) override {}
  store::AnalyticsReport analytics(const store::AnalyticsQuery& q) override {
    constexpr std::int64_t hour = 3'600'000, day = 24 * hour;
    const auto from = to_epoch_ms(q.from), to = to_epoch_ms(q.to);
    if (from >= to) throw store::StoreError(errc::invalid_argument, "analytics: `from` must be before `to`");
    const auto floor = [](std::int64_t t, std::int64_t unit) { return t - ((t % unit) + unit) % unit; };
    const auto unit = q.granularity == store::Granularity::hour ? hour : day;
    const auto first = floor(from, unit);
    const auto points = (floor(to - 1, unit) - first) / unit + 1;
    if (points > store::kMaxAnalyticsBuckets) throw store::StoreError(errc::invalid_argument, "analytics: too long");
    store::AnalyticsReport r;
    r.query = q;
    for (std::int64_t i = 0; i < points; ++i) r.series.push_back({from_epoch_ms(first + i * unit)});
    for (auto d = floor(from, day); d < to; d += day) {
      const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{d / day}}};
      char date[16];
      std::snprintf(date, sizeof date, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
      r.peak_by_day.emplace_back(date, store::Peak{});
    }
    using calls::EndReason;
    for (const auto t : {calls::SessionType::one_to_one, calls::SessionType::group, calls::SessionType::therapy})
      r.by_type[std::string(to_string(t))] = 0;
    for (const auto e :
         {EndReason::ended_by_user, EndReason::missed, EndReason::timeout, EndReason::all_left, EndReason::declined})
      r.by_end_reason[std::string(to_string(e))] = 0;
    for (const auto* level : {"excellent", "good", "fair", "poor", "lost"}) r.mos_levels[level] = 0;
    for (const auto& [id, s] : sessions_) {
      const auto created = to_epoch_ms(s.created_at);
      if (created < from || created >= to) continue;
      ++r.calls_total;
      ++r.by_type[std::string(to_string(s.session_type))];
      ++r.series[static_cast<std::size_t>((floor(created, unit) - first) / unit)].calls;
      if (s.status != calls::Status::ended) {
        ++r.calls_ongoing;
        continue;
      }
      if (s.end_reason != EndReason::none) ++r.by_end_reason[std::string(to_string(s.end_reason))];
      if (!s.start_time) continue;
      ++r.calls_started;
      r.duration.max = std::max(r.duration.max, s.duration_seconds);
      r.duration.mean += (static_cast<double>(s.duration_seconds) - r.duration.mean) / ++r.duration.count;
    }
    return r;
  }

 private:
  std::map<std::string, calls::CallSession> sessions_;
  std::map<std::string, calls::CallSession> saved_;
  std::map<std::string, calls::QualitySummary> quality_;
  std::map<std::string, calls::QualitySummary> saved_quality_;
  std::map<std::string, std::vector<store::ChatMessage>> chat_;
  std::map<std::string, std::vector<store::ChatMessage>> saved_chat_;
  std::uint64_t next_message_ = 0;  // not undone by a rollback: ids stay unique
};

}  // namespace hearth::fuzz
