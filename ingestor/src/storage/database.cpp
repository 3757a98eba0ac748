#include "storage/database.h"

namespace vecton::storage {

std::string QuoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::unique_ptr<pqxx::connection> Connect(const std::string& url, const std::string& schema) {
  auto conn = std::make_unique<pqxx::connection>(url);
  pqxx::nontransaction tx(*conn);
  tx.exec("SET search_path TO " + QuoteIdentifier(schema));
  return conn;
}

bool IsTransient(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) return true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    // 40: transaction rollback (deadlock, serialization); 08: connection; 57: operator
    // intervention (shutdown); 53: insufficient resources.
    return state.rfind("40", 0) == 0 || state.rfind("08", 0) == 0 || state.rfind("57", 0) == 0 ||
           state.rfind("53", 0) == 0 || state.empty();
  }
  return false;
}

}  // namespace vecton::storage
