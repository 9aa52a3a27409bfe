#pragma once
// The JSON document of a call session: the shape the REST API answers with (the design's CallSession,
// camelCase, ISO 8601 dates) and the shape the store keeps. `deadline` is not part of the document; the
// store keeps it in its own indexed column.
// Thread safety: stateless.
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include "calls/call_session.hpp"
#include "core/result.hpp"

namespace hearth::store {

// `sp`: where the document's nodes live. Hot paths pass a json::monotonic_resource over a stack buffer, so building
// and serialising a document allocates nothing but the output string.
boost::json::object to_json(const calls::CallSession& s, boost::json::storage_ptr sp = {});
boost::json::object to_json(const calls::Participant& p, boost::json::storage_ptr sp = {});
boost::json::object to_json(const calls::CallSettings& c, boost::json::storage_ptr sp = {});
boost::json::object to_json(const calls::Metadata& m, boost::json::storage_ptr sp = {});

// Parses a document written by to_json (trusted input from the store; still checked, never throws).
Result<calls::CallSession> session_from_json(const boost::json::value& v);

}  // namespace hearth::store
