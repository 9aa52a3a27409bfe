#include "store/member_totals.hpp"

#include <algorithm>

namespace hearth::store {

std::int64_t MemberTotals::added_in_transaction(std::string_view user_id) const {
  return std::count(added_.begin(), added_.end(), user_id);
}

std::optional<std::int64_t> MemberTotals::find(std::string_view user_id) const {
  const auto it = totals_.find(user_id);
  if (it == totals_.end()) return std::nullopt;
  return it->second + added_in_transaction(user_id);
}

void MemberTotals::remember(std::string_view user_id, std::int64_t counted) {
  if (capacity_ == 0) return;
  if (totals_.size() >= capacity_ && !totals_.contains(user_id)) totals_.erase(totals_.begin());  // any one
  totals_.insert_or_assign(std::string(user_id), counted - added_in_transaction(user_id));
}

void MemberTotals::inserted(const calls::CallSession& s) {
  if (capacity_ == 0) return;
  const auto first = added_.size();
  const auto add = [&](const std::string& user_id) {
    if (std::find(added_.begin() + static_cast<std::ptrdiff_t>(first), added_.end(), user_id) == added_.end())
      added_.push_back(user_id);
  };
  add(s.initiator_id);
  for (const auto& user_id : s.invitees) add(user_id);
}

void MemberTotals::commit() {
  for (const auto& user_id : added_)
    if (const auto it = totals_.find(user_id); it != totals_.end()) ++it->second;
  rollback();
}

}  // namespace hearth::store
