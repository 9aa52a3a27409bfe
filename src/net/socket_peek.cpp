#include "net/socket_peek.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace hearth::net {

Peek peek_socket(int fd) {
  char byte = 0;
  ssize_t n = 0;
  do {
    n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n > 0) return Peek::data;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Peek::nothing;
  return Peek::closed;
}

}  // namespace hearth::net
