#!/usr/bin/env bash
# Stops what scripts/start.sh started: both daemons (SIGTERM, so they drain; SIGKILL after 30 s),
# then the private servers of the state dir. Data is kept for the next scripts/start.sh.
#
#   scripts/stop.sh [--clean]    --clean also deletes the state dir (database, logs, token)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
run=${VECTON_RUN_DIR:-$repo/.run}
# shellcheck source=servers.sh
source "$repo/scripts/servers.sh"

if [[ ! -d $run ]]; then
  echo "stop: nothing to stop ($run does not exist)"
  exit 0
fi
for daemon in api ingestor; do
  pid=$(cat "$run/$daemon.pid" 2>/dev/null || true)
  if _alive "$pid"; then
    _kill_group "$pid" 30
    echo "stop: $daemon stopped"
  fi
  rm -f "$run/$daemon.pid"
done
if [[ ${1:-} == --clean ]]; then
  servers_destroy "$run"
  echo "stop: deleted $run"
else
  servers_stop "$run"
fi
