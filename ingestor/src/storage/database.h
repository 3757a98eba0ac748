// Connecting to PostgreSQL, and telling infrastructure failures from data problems.
#pragma once

#include <memory>
#include <pqxx/pqxx>
#include <string>

namespace vecton::storage {

// Opens a connection with search_path set to `schema` (quoted), so the SQL of this service
// uses unqualified names. Throws pqxx::broken_connection when the server can't be reached.
std::unique_ptr<pqxx::connection> Connect(const std::string& url, const std::string& schema);

// True for failures that retrying later may cure: a lost connection, a deadlock, a
// serialization failure, the server shutting down. False for errors the data itself causes
// (invalid input, a violated constraint), where retrying the same batch fails again.
bool IsTransient(const std::exception& e);

// Double-quoted SQL identifier.
std::string QuoteIdentifier(const std::string& name);

}  // namespace vecton::storage
