#pragma once
// What waits on a connected socket, looked at without consuming it and without blocking: the HTTP session's watch
// for a client that goes away while its answer is pending, and the webhook pool's check of an idle connection.
namespace hearth::net {

enum class Peek { data, nothing, closed };

// data: bytes to read; nothing: open and quiet (the read would block); closed: EOF or an error such as a reset.
Peek peek_socket(int fd);

}  // namespace hearth::net
