#pragma once
// A Redis reply, copied out of hiredis' redisReply (which is freed as soon as its callback returns).
// Thread safety: a plain value type.
#include <string>
#include <vector>

struct redisReply;

namespace hearth::cluster {

struct RedisReply {
  enum class Type { string, array, integer, nil, status, error };
  Type type = Type::nil;
  std::string str;  // string, status and error replies
  long long integer = 0;
  std::vector<RedisReply> elements;  // array replies

  bool is_error() const noexcept { return type == Type::error; }
};

// A deep copy of hiredis' reply.
RedisReply copy_reply(const redisReply& reply);

}  // namespace hearth::cluster
