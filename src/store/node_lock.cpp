#include "store/node_lock.hpp"

#include "store/postgres/pg_node_lock.hpp"
#include "store/postgres/pg_repository.hpp"
#include "store/sqlite/node_lock.hpp"
#include "store/sqlite/sqlite_repository.hpp"

namespace hearth::store {

std::unique_ptr<NodeLock> open_node_lock(const std::string& database_url) {
  if (is_postgres_url(database_url)) return std::make_unique<PgNodeLock>(database_url);
  return std::make_unique<SqliteNodeLock>(sqlite_path_from_url(database_url));
}

}  // namespace hearth::store
