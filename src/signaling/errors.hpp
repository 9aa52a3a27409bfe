#pragma once
// THE mapping of project errors to what Socket.IO clients see: the `code` of call_error events and of
// acknowledgements ({success:false, message, code}).
#include <string>
#include <string_view>

#include "core/errors.hpp"

namespace hearth::signaling {

// Codes beyond the project's errc that only signaling produces.
inline constexpr std::string_view kReplaced = "replaced";  // the user joined the call from another socket

std::string_view error_code(errc code) noexcept;

// {"event":...,"message":...,"code":...} for call_error.
std::string call_error_json(std::string_view event, const Error& error);
// {"success":false,"message":...,"code":...} for an acknowledgement.
std::string failure_ack_json(const Error& error);
// {"success":true,"message":...,"data":<raw json>}; data may be empty.
std::string success_ack_json(std::string_view message, std::string_view data_json = {});

}  // namespace hearth::signaling
