// The command line of analytics-ingestor: global options, then one command (serve, migrate,
// tenant, rebuild, replay, dead-letters, seed, import), each with its own --help.
#pragma once

namespace vecton::ingestor {

// Returns the process exit code: 0 success, 1 a failure at run time (unreachable
// dependency, failed step), 2 a usage or configuration error (one line on stderr).
int RunCommand(int argc, char** argv);

}  // namespace vecton::ingestor
