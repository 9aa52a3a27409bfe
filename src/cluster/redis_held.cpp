// RedisBus: the seats a node holds, for the survivors if it dies (cluster/bus.hpp; docs/architecture.md, "Several
// nodes"). One Redis set per node; SPOP hands each item to one taker even when several survivors take at once.
#include <spdlog/spdlog.h>

#include "cluster/redis_bus.hpp"

namespace hearth::cluster {

void RedisBus::hold(std::string item) {
  if (!up()) return;  // lost: the call's timeout is the fallback
  command({"SADD", held_key(node_id()), std::move(item)}, [](Result<RedisReply> r) {
    if (!r || r->type == RedisReply::Type::error) spdlog::debug("bus: a held seat was not recorded");
  });
}

void RedisBus::release(std::string item) {
  if (!up()) return;
  command({"SREM", held_key(node_id()), std::move(item)}, [](Result<RedisReply>) {});
}

void RedisBus::take_held(std::string node, std::size_t limit, HeldHandler done) {
  command({"SPOP", held_key(node), std::to_string(limit)}, [done = std::move(done)](Result<RedisReply> r) {
    std::vector<std::string> items;
    if (r && r->type == RedisReply::Type::array)
      for (auto& e : r->elements)
        if (e.type == RedisReply::Type::string) items.push_back(std::move(e.str));
    done(std::move(items));
  });
}

}  // namespace hearth::cluster
