#include "app.h"

#include <fmt/format.h>
#include <signal.h>
#include <systemd/sd-daemon.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "auth.h"
#include "cache/report_cache.h"
#include "config.h"
#include "http/handler.h"
#include "http/server.h"
#include "storage/database.h"
#include "vecton/log.h"

namespace vecton::api {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char* kMainHelp = R"(usage: analytics-api [serve] [--config PATH] [--check-config]
       analytics-api token create|list|revoke --tenant NAME ... [--config PATH]

The vecton analytics HTTP API (see docs/ and deploy/config/api.yaml).

commands:
  serve            run the daemon (default)
  token            create, list or revoke a tenant's API tokens (`token --help`)

options:
  --config PATH    YAML configuration file; environment variables override it
                   (APP_URL, DB_SCHEMA, CACHE_TTL, DATABASE_URL, DATABASE_READ_URL,
                   REDIS_URL, DB_POOL_SIZE, HTTP_THREADS, LOG_LEVEL, ...)
  --check-config   validate the configuration, print it (passwords cut) and exit
  --help           this text

exit status: 0 success, 1 runtime failure, 2 usage or configuration error
)";

constexpr const char* kTokenHelp =
    R"(usage: analytics-api token create --tenant NAME [--name LABEL] [--config PATH]
       analytics-api token list --tenant NAME [--config PATH]
       analytics-api token revoke --tenant NAME TOKEN_ID [--config PATH]

Token administration over DATABASE_URL (the owner role). `create` prints the new token once
on stdout (only its SHA-256 is stored); keep it. A revoked token stops working on every API
instance within token_cache_seconds (default 30 s).
)";

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // "--config" -> value; flags -> ""
};

// Options with a value; everything else starting with "--" is a flag.
bool TakesValue(const std::string& name) {
  return name == "--config" || name == "--tenant" || name == "--name";
}

Result<Args> ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) {
      std::string value;
      if (auto eq = a.find('='); eq != std::string::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
      } else if (TakesValue(a)) {
        if (i + 1 >= argc) return Error(fmt::format("{} needs a value", a));
        value = argv[++i];
      }
      if (a != "--config" && a != "--tenant" && a != "--name" && a != "--help" &&
          a != "--check-config") {
        return Error(fmt::format("unknown option {}", a));
      }
      args.options[a] = value;
    } else {
      args.positional.push_back(a);
    }
  }
  return args;
}

// One line on stderr: the problem and where to find help.
int Usage(const std::string& message, const char* help) {
  std::fprintf(stderr, "analytics-api: %s (see analytics-api %s--help)\n", message.c_str(),
               help == kTokenHelp ? "token " : "");
  return kExitUsage;
}

std::string Option(const Args& args, const char* name) {
  auto it = args.options.find(name);
  return it == args.options.end() ? "" : it->second;
}

int Serve(const ApiConfig& cfg) {
  // Signals are taken synchronously by this thread: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Database db({.url = cfg.database_read_url,
               .schema = cfg.db_schema,
               .pool_size = cfg.db_pool_size,
               .statement_timeout_ms = cfg.db_statement_timeout_ms});
  if (Status st = db.Ping(); !st) {
    std::fprintf(stderr, "analytics-api: cannot start: %s\n", st.error().c_str());
    return kExitFailure;
  }
  ReportCache cache({.redis_url = cfg.redis_url,
                     .ttl_seconds = cfg.cache_ttl_minutes * 60,
                     .hot = cfg.hot_cache,
                     .hot_max_bytes = static_cast<size_t>(cfg.hot_cache_mb) << 20,
                     .pool_size = cfg.http_threads});
  if (cache.configured() && !cache.Ping()) {
    Log(LogLevel::kWarn, "redis unreachable at start; answering uncached until it is back",
        {{"redis_url", CutPassword(cfg.redis_url)}});
  }
  Authenticator auth(db, cfg.token_cache_seconds);
  Metrics metrics;
  Handler handler(db, cache, auth, metrics);
  Server server(cfg.listen_host, cfg.listen_port, cfg.http_threads, handler);
  if (Status st = server.Start(); !st) {
    std::fprintf(stderr, "analytics-api: cannot start: %s\n", st.error().c_str());
    return kExitFailure;
  }
  Log(LogLevel::kInfo, "listening",
      {{"address", fmt::format("{}:{}", cfg.listen_host, cfg.listen_port)},
       {"database", CutPassword(cfg.database_read_url)},
       {"redis", CutPassword(cfg.redis_url)}});
  sd_notify(0, "READY=1");

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      ReopenLog();
      continue;
    }
    break;
  }
  sd_notify(0, "STOPPING=1");
  Log(LogLevel::kInfo, "stopping: finishing requests in flight");
  server.Stop();
  return 0;
}

int Token(const Args& args, const ApiConfig& cfg) {
  const auto& pos = args.positional;  // "token", verb, [id]
  if (pos.size() < 2) return Usage("token needs a subcommand: create, list or revoke", kTokenHelp);
  const std::string& verb = pos[1];
  std::string tenant = Option(args, "--tenant");
  if (tenant.empty()) return Usage("token " + verb + " needs --tenant NAME", kTokenHelp);
  if (verb == "create") {
    if (pos.size() != 2) return Usage("token create takes no positional arguments", kTokenHelp);
    NewToken token = GenerateToken();
    Status st = CreateToken(cfg.database_url, cfg.db_schema, tenant, token.id,
                            Sha256Hex(token.token), Option(args, "--name"));
    if (!st) {
      std::fprintf(stderr, "analytics-api: %s\n", st.error().c_str());
      return kExitFailure;
    }
    std::fprintf(stderr, "created token %s for tenant %s (shown once, keep it)\n", token.id.c_str(),
                 tenant.c_str());
    std::printf("%s\n", token.token.c_str());
    return 0;
  }
  if (verb == "list") {
    if (pos.size() != 2) return Usage("token list takes no positional arguments", kTokenHelp);
    Result<std::vector<TokenInfo>> tokens = ListTokens(cfg.database_url, cfg.db_schema, tenant);
    if (!tokens) {
      std::fprintf(stderr, "analytics-api: %s\n", tokens.error().c_str());
      return kExitFailure;
    }
    std::printf("%-18s %-22s %-22s %s\n", "ID", "CREATED", "REVOKED", "NAME");
    for (const TokenInfo& t : *tokens) {
      std::printf("%-18s %-22s %-22s %s\n", t.id.c_str(), t.created_at.c_str(),
                  t.revoked_at.empty() ? "-" : t.revoked_at.c_str(), t.name.c_str());
    }
    return 0;
  }
  if (verb == "revoke") {
    if (pos.size() != 3) return Usage("token revoke needs exactly one TOKEN_ID", kTokenHelp);
    Status st = RevokeToken(cfg.database_url, cfg.db_schema, tenant, pos[2]);
    if (!st) {
      std::fprintf(stderr, "analytics-api: %s\n", st.error().c_str());
      return kExitFailure;
    }
    std::fprintf(stderr, "revoked token %s of tenant %s\n", pos[2].c_str(), tenant.c_str());
    return 0;
  }
  return Usage("unknown token subcommand '" + verb + "'", kTokenHelp);
}

}  // namespace

int Main(int argc, char** argv) {
  Result<Args> parsed = ParseArgs(argc, argv);
  if (!parsed) return Usage(parsed.error(), kMainHelp);
  const Args& args = *parsed;
  std::string command = args.positional.empty() ? "serve" : args.positional[0];
  const char* help = command == "token" ? kTokenHelp : kMainHelp;
  if (args.options.contains("--help")) {
    std::fputs(help, stdout);
    return 0;
  }
  if (command != "serve" && command != "token") {
    return Usage("unknown command '" + command + "'", kMainHelp);
  }
  if (command == "serve" && args.positional.size() > 1) {
    return Usage("serve takes no arguments", kMainHelp);
  }
  if (command == "serve" &&
      (args.options.contains("--tenant") || args.options.contains("--name"))) {
    return Usage("--tenant and --name belong to the token command", kMainHelp);
  }

  Result<ApiConfig> cfg = LoadApiConfig(Option(args, "--config"));
  if (!cfg) {
    std::fprintf(stderr, "analytics-api: configuration: %s\n", cfg.error().c_str());
    return kExitUsage;
  }
  if (!SetLogLevel(cfg->log_level)) return kExitUsage;
  if (args.options.contains("--check-config")) {
    std::fputs(cfg->raw.Describe().c_str(), stdout);
    std::fprintf(stdout, "listen=%s:%d\n", cfg->listen_host.c_str(), cfg->listen_port);
    return 0;
  }
  if (command == "token") return Token(args, *cfg);
  return Serve(*cfg);
}

}  // namespace vecton::api
