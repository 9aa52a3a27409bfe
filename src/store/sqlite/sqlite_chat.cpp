// SqliteRepository: in-call chat (store/chat.hpp; statements: store/chat_sql.hpp; schema: migration v7).
// One writer (BEGIN IMMEDIATE holds the database's write lock), so appends never meet. Nothing is kept in memory:
// under the Store's optimistic savepoint, an append is a row written (total_changes moves), so a failed operation
// that had appended makes the batch run again with real savepoints, and the message and its seq are undone with it.
// Cost per message: one INSERT (the next seq is one descent of the primary key, the session's existence one lookup
// of call_sessions'); a retry adds one lookup of the UNIQUE index.
#include "store/chat_sql.hpp"
#include "store/sqlite/sqlite_repository.hpp"

namespace hearth::store {

std::pair<ChatMessage, bool> SqliteRepository::append_chat(ChatMessage m) {
  return chat_sql::append(db_, std::move(m), [](const StoreError&) {});
}

ChatPage SqliteRepository::chat_page(const ChatQuery& q) { return chat_sql::page(db_, q); }

}  // namespace hearth::store
