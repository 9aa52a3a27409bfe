#pragma once
// The JSON document of a call session: the shape the REST API answers with (the design's CallSession,
// camelCase, ISO 8601 dates) and the shape the store keeps. `deadline` is not part of the document; the
// store keeps it in its own indexed column. Sessions and participants are written as text directly
// (JsonWriter): they are written for every store write and every answer that shows a session. The small
// settings and metadata objects also exist as trees for the signaling payloads that embed them.
// Thread safety: stateless.
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <string>

#include "calls/call_session.hpp"
#include "core/json_writer.hpp"
#include "core/result.hpp"

namespace hearth::store {

// The document as JSON text.
std::string to_json_text(const calls::CallSession& s);
void write_json(JsonWriter& w, const calls::CallSession& s);
void write_json(JsonWriter& w, const calls::Participant& p);
void write_json(JsonWriter& w, const calls::CallSettings& c);
void write_json(JsonWriter& w, const calls::Metadata& m);
void write_json(JsonWriter& w, const calls::WaitingUser& u);
void write_json(JsonWriter& w, const calls::ModerationEntry& e);
void write_json(JsonWriter& w, const calls::BreakoutRound& b);

// The same objects as trees (`sp`: where the nodes live), for payloads built as trees.
boost::json::object to_json(const calls::CallSettings& c, boost::json::storage_ptr sp = {});
boost::json::object to_json(const calls::Metadata& m, boost::json::storage_ptr sp = {});

// Whether `text` is one well-formed JSON object and nothing else (syntax and UTF-8 only; nothing is built). A
// history answer splices the stored documents as they are, since the document is the answer's shape; this check
// keeps a damaged row from turning into an answer no client can parse.
bool is_document_text(std::string_view text);

// Parses a document written by write_json (trusted input from the store; still checked, never throws).
Result<calls::CallSession> session_from_json(const boost::json::value& v);

}  // namespace hearth::store
