// PgRepository: in-call chat (store/chat.hpp; statements: store/chat_sql.hpp; schema: migration v7), safe with
// several nodes. The seq of a session's messages is gapless and unique because appends to one session take turns:
// the operation that appends has locked the session's row first (find(id, true) reads it FOR UPDATE: always on a
// node of several, PgOptions::written null), and on one node every operation of a session runs on that session's
// lane. If two appends do meet anyway, the second one's INSERT waits for the first and fails on the primary key (the
// same seq) or on the sender's UNIQUE key (the same client_message_id): that is turned into ConcurrentWrite, and the
// Store runs the batch again (reading the rows FOR UPDATE this time), where it takes the next seq or finds the
// message as a retry. An append reaches the server at once (it is waited for: the seq comes back), in the same round
// trip as what the operation deferred before it.
#include <string_view>

#include "store/chat_sql.hpp"
#include "store/postgres/pg_repository.hpp"

namespace hearth::store {

std::pair<ChatMessage, bool> PgRepository::append_chat(ChatMessage m) {
  return chat_sql::append(db_, std::move(m), [](const StoreError& e) {
    // 23505 of this INSERT (pg_connection.hpp names the failed statement in what()).
    if (e.code() == errc::conflict &&
        std::string_view(e.what()).find("INSERT INTO chat_messages") != std::string_view::npos)
      throw ConcurrentWrite(e.what());
  });
}

ChatPage PgRepository::chat_page(const ChatQuery& q) { return chat_sql::page(db_, q); }

}  // namespace hearth::store
