#pragma once
// Turns untrusted request bodies and query strings into domain requests. Checks JSON types (booleans are
// booleans, ids are strings); the domain (calls/policy) checks the rules. Errors name the field and the rule.
// Thread safety: stateless.
#include <optional>
#include <string_view>

#include <boost/json/value.hpp>

#include "calls/media_update.hpp"
#include "calls/policy.hpp"
#include "core/result.hpp"
#include "store/repository.hpp"

namespace hearth::http {

// Parses a JSON body (depth-limited); an empty body is an error.
Result<boost::json::value> parse_json_body(std::string_view body);

Result<calls::InitiateRequest> parse_initiate(const boost::json::value& body);

// At least one of hasVideo, hasAudio, isScreenSharing, each a boolean (calls::read_media_update).
Result<calls::MediaUpdate> parse_media_update(const boost::json::value& body);

// page (>= 1, default 1), limit (1..100, default 20), status (waiting|active|ended, optional).
Result<store::HistoryQuery> parse_history_query(std::string_view query_string);

// GET /session/:id/chat: before (a positive integer, a seq: the messages before it; default: the latest), limit
// (1..100, default 50). session_id and viewer_user_id are left for the caller.
Result<store::ChatQuery> parse_chat_query(std::string_view query_string);

}  // namespace hearth::http
