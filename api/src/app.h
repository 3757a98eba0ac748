// The analytics-api command line: `serve` (default), `token create|list|revoke`, each with
// --help. Exit codes: 0 success, 1 runtime failure (a dependency, a missing tenant),
// 2 usage or configuration error (one line on stderr).
#pragma once

namespace vecton::api {

int Main(int argc, char** argv);

}  // namespace vecton::api
