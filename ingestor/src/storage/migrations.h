// Forward-only schema migrations: the numbered files of sql/, compiled into the binary so an
// installed ingestor needs no source tree. `analytics-ingestor migrate` applies those not yet
// recorded in schema_migrations, each in its own transaction, under an advisory lock so two
// concurrent runs cannot both apply one.
#pragma once

#include <ostream>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace vecton::storage {

struct Migration {
  const char* name;  // "001_schema.sql"
  const char* sql;
};

// The files of sql/ in order (generated at build time from the folder).
const std::vector<Migration>& EmbeddedMigrations();

// Creates `schema` if needed and applies the missing migrations; reports each on `log`.
// Returns how many were applied. Throws pqxx exceptions on failure (nothing half-applied:
// each migration commits with its record or not at all).
int Migrate(pqxx::connection& conn, const std::string& schema, std::ostream& log);

}  // namespace vecton::storage
