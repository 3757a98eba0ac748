#include "storage/migrations.h"

#include <cstdlib>

#include "storage/database.h"

namespace vecton::storage {

int Migrate(pqxx::connection& conn, const std::string& schema, std::ostream& log) {
  const std::string quoted = QuoteIdentifier(schema);
  {
    pqxx::work tx(conn);
    tx.exec("SELECT pg_advisory_lock(hashtext('vecton.migrate'))");
    tx.exec("CREATE SCHEMA IF NOT EXISTS " + quoted);
    tx.exec("SET search_path TO " + quoted);
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    tx.commit();
  }
  int applied = 0;
  for (const Migration& m : EmbeddedMigrations()) {
    const int version = std::atoi(m.name);
    pqxx::work tx(conn);
    tx.exec("SET LOCAL search_path TO " + quoted);
    if (!tx.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", version).empty()) {
      continue;
    }
    tx.exec(m.sql);
    tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version,
                   std::string(m.name));
    tx.commit();
    log << "applied " << m.name << "\n";
    ++applied;
  }
  pqxx::nontransaction(conn).exec("SELECT pg_advisory_unlock(hashtext('vecton.migrate'))");
  log << "schema " << schema << " is up to date (" << applied << " applied)\n";
  return applied;
}

}  // namespace vecton::storage
