#!/usr/bin/env bash
# Private PostgreSQL 15, Redis and RabbitMQ for development, tests and the demo.
#
# DESIGN: every server runs as a plain background process (no service manager is assumed) with
# all of its state in one directory, the "state dir" (default <repo>/.run):
#   ports        the chosen ports (and the PostgreSQL data path), written once, reused on every
#                later start, so a server restarted in the middle of a fault test comes back on
#                the same address its clients know
#   env          `export` lines for DATABASE_URL, API_DATABASE_URL, REDIS_URL, AMQP_URL, ...
#   pg/          PostgreSQL data and log (owned by the unprivileged user `vecton`: postgres refuses
#                to run as root)
#   redis/       generated redis.conf, pid, log (no persistence)
#   rabbitmq/    generated config, empty plugin list, mnesia, logs, Erlang cookie (HOME), pids
# Ports are picked at random from 20000-31999 (below Linux's ephemeral range) among those no
# socket on the machine uses, so several checkouts and the machine's own services never clash.
# RabbitMQ gets its own epmd on its own port (ERL_EPMD_PORT), started and stopped with it, so a
# system epmd on 4369 is neither needed nor touched.
#
# Use it as a command:
#   scripts/servers.sh start|stop|status|env [DIR]
#   scripts/servers.sh pg-start|pg-stop|pg-restart|redis-start|redis-stop|redis-restart|
#                      rabbit-start|rabbit-stop|rabbit-restart [DIR]
#   scripts/servers.sh rabbitmqctl DIR ARGS...   (rabbitmqctl pointed at the private node)
#   scripts/servers.sh destroy DIR               (stop everything and delete the state)
# or source it and call servers_start DIR, servers_stop DIR, pg_start DIR, pg_stop DIR, ... .
# Per-server stop keeps data and ports; start after stop reuses both.

_VECTON_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VECTON_REPO_DIR=$(cd "$_VECTON_SCRIPTS_DIR/.." && pwd)
VECTON_PG_BIN=${VECTON_PG_BIN:-/usr/lib/postgresql/15/bin}
VECTON_PG_USER=${VECTON_PG_USER:-vecton}
VECTON_DB_NAME=${VECTON_DB_NAME:-analytics}
# Seconds each server may take to become ready.
VECTON_START_TIMEOUT=${VECTON_START_TIMEOUT:-90}

_log() { echo "servers: $*" >&2; }
_die() { echo "servers: ERROR: $*" >&2; return 1; }

# Milliseconds since the epoch, for the start-time report.
_now_ms() { date +%s%3N; }

# --- ports -----------------------------------------------------------------------------------

# Prints every local TCP port in use on the machine (listening or connected), one per line.
_used_ports() {
  local f sl local_addr rest
  for f in /proc/net/tcp /proc/net/tcp6; do
    [[ -r $f ]] || continue
    while read -r sl local_addr rest; do
      [[ $sl == sl ]] && continue
      echo $((16#${local_addr##*:}))
    done <"$f"
  done
}

# free_port VAR: stores in VAR a port that no socket uses and that this shell has not handed out.
_VECTON_TAKEN_PORTS=" "
free_port() {
  local -n out_=$1
  local used candidate i
  used=" $(_used_ports | sort -un | tr '\n' ' ') "
  for ((i = 0; i < 500; i++)); do
    candidate=$((20000 + RANDOM % 12000))
    [[ $used == *" $candidate "* || $_VECTON_TAKEN_PORTS == *" $candidate "* ]] && continue
    _VECTON_TAKEN_PORTS+="$candidate "
    out_=$candidate
    return 0
  done
  _die "no free port found"
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# _wait_for TIMEOUT_SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s until it succeeds;
# gives up at the deadline, or at once when COMMAND returns 2 (the server died).
_wait_for() {
  local timeout=$1 what=$2 rc
  shift 2
  local deadline=$((SECONDS + timeout))
  while true; do
    rc=0
    "$@" || rc=$?
    ((rc == 0)) && return 0
    ((rc == 2)) && return 1
    if ((SECONDS >= deadline)); then
      _die "$what not ready after ${timeout}s"
      return 1
    fi
    sleep 0.1
  done
}

# True while process PID exists (and is not a zombie).
_alive() {
  [[ -n ${1:-} && -e /proc/$1 ]] || return 1
  local state
  state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [[ $state != Z ]]
}

# _kill_group PID TIMEOUT: SIGTERM to the process group PID leads, SIGKILL after TIMEOUT seconds.
_kill_group() {
  local pid=$1 timeout=$2
  _alive "$pid" || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while _alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
  if _alive "$pid"; then
    _log "pid $pid ignored SIGTERM for ${timeout}s: SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    while _alive "$pid"; do sleep 0.1; done
  fi
}

# --- state dir -------------------------------------------------------------------------------

_state_dir() {
  local dir=${1:-$VECTON_REPO_DIR/.run}
  mkdir -p "$dir"
  (cd "$dir" && pwd)
}

# True when the unprivileged user can reach PATH (every ancestor directory is searchable).
_user_can_reach() { runuser -u "$VECTON_PG_USER" -- test -x "$1" 2>/dev/null; }

_ensure_pg_user() {
  id -u "$VECTON_PG_USER" >/dev/null 2>&1 && return 0
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    "$VECTON_PG_USER" || _die "cannot create system user $VECTON_PG_USER"
}

# Loads DIR/ports into the shell, choosing and saving the ports on the first call.
_load_ports() {
  local dir=$1
  if [[ ! -f $dir/ports ]]; then
    local pg redis amqp dist epmd pgdir
    free_port pg && free_port redis && free_port amqp && free_port dist && free_port epmd || return 1
    # PostgreSQL runs as $VECTON_PG_USER, which must reach its data directory. A state dir under
    # a private home (say /root/src/...) is not reachable: the data then lives under /var/tmp.
    chmod o+x "$dir"
    if [[ $EUID -eq 0 ]]; then _ensure_pg_user || return 1; fi
    if _user_can_reach "$dir"; then
      pgdir=$dir/pg
    else
      pgdir=$(mktemp -d /var/tmp/vecton-pg.XXXXXX)
      chmod 755 "$pgdir"
    fi
    cat >"$dir/ports" <<EOF
PGPORT=$pg
REDIS_PORT=$redis
AMQP_PORT=$amqp
RABBIT_DIST_PORT=$dist
RABBIT_EPMD_PORT=$epmd
PG_DIR=$pgdir
EOF
  fi
  # shellcheck disable=SC1091
  source "$dir/ports"
  RABBIT_NODE=vecton-$AMQP_PORT@localhost
}

# Writes DIR/env, which clients source to find the servers.
_write_env() {
  local dir=$1
  _load_ports "$dir" || return 1
  cat >"$dir/env" <<EOF
# Written by scripts/servers.sh: the private servers of this state dir.
export VECTON_STATE_DIR='$dir'
export VECTON_SERVERS_SH='$_VECTON_SCRIPTS_DIR/servers.sh'
export PGHOST=127.0.0.1
export PGPORT=$PGPORT
export PGUSER=$VECTON_PG_USER
export PGDATABASE=$VECTON_DB_NAME
export DATABASE_URL='postgresql://$VECTON_PG_USER@127.0.0.1:$PGPORT/$VECTON_DB_NAME'
export API_DATABASE_URL='postgresql://analytics_api_user@127.0.0.1:$PGPORT/$VECTON_DB_NAME'
export REDIS_PORT=$REDIS_PORT
export REDIS_URL='redis://127.0.0.1:$REDIS_PORT/0'
export AMQP_PORT=$AMQP_PORT
export AMQP_URL='amqp://guest:guest@127.0.0.1:$AMQP_PORT/%2f'
export RABBITMQ_NODENAME_PRIVATE='$RABBIT_NODE'
EOF
}

# --- PostgreSQL ------------------------------------------------------------------------------

# Runs a command as the PostgreSQL user, from / (the caller's directory may be private).
_as_pg_user() {
  if ((EUID == 0)); then
    (cd / && runuser -u "$VECTON_PG_USER" -- "$@")
  else
    "$@"
  fi
}

pg_running() {
  local dir
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  [[ -f $PG_DIR/data/postmaster.pid ]] && _as_pg_user "$VECTON_PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1
}

pg_start() {
  local dir t0
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  t0=$(_now_ms)
  if ((EUID == 0)); then _ensure_pg_user || return 1; fi
  if [[ ! -f $PG_DIR/data/PG_VERSION ]]; then
    mkdir -p "$PG_DIR"
    ((EUID == 0)) && chown "$VECTON_PG_USER:" "$PG_DIR"
    _as_pg_user "$VECTON_PG_BIN/initdb" -D "$PG_DIR/data" -A trust --nosync -U "$VECTON_PG_USER" \
      -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 ||
      { cat "$PG_DIR/initdb.log" >&2; _die "initdb failed"; return 1; }
    # A unix socket path is limited to 107 bytes; beyond that, TCP only.
    local socket_dir=$PG_DIR/data
    ((${#socket_dir} > 90)) && socket_dir=
    cat >>"$PG_DIR/data/postgresql.conf" <<EOF

# --- scripts/servers.sh: a throwaway server, fast and private ---
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$socket_dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
max_locks_per_transaction = 256
shared_buffers = 256MB
log_min_messages = warning
log_line_prefix = '%m [%p] %u@%d '
EOF
  fi
  if pg_running "$dir"; then
    _log "PostgreSQL already running on port $PGPORT"
  else
    rm -f "$PG_DIR/data/postmaster.pid"
    _as_pg_user "$VECTON_PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" \
      -w -t "$VECTON_START_TIMEOUT" -o "-p $PGPORT" start >/dev/null ||
      { tail -n 20 "$PG_DIR/postgres.log" >&2; _die "PostgreSQL did not start (log: $PG_DIR/postgres.log)"; return 1; }
  fi
  _pg_bootstrap "$dir" || return 1
  _write_env "$dir"
  _log "PostgreSQL ready on 127.0.0.1:$PGPORT in $(($(_now_ms) - t0)) ms"
}

# Creates the database and the API's login role (idempotent). The NOLOGIN role analytics_api is
# also created by sql/002; creating it here first lets the login role join it before migrate.
_pg_bootstrap() {
  local psql=("$VECTON_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U "$VECTON_PG_USER")
  if [[ -z $("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$VECTON_DB_NAME'") ]]; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE $VECTON_DB_NAME" || { _die "CREATE DATABASE failed"; return 1; }
  fi
  "${psql[@]}" -d "$VECTON_DB_NAME" <<'EOF' || { _die "creating roles failed"; return 1; }
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analytics_api') THEN
        CREATE ROLE analytics_api NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analytics_api_user') THEN
        CREATE ROLE analytics_api_user LOGIN IN ROLE analytics_api;
    END IF;
END
$$;
EOF
}

pg_stop() {
  [[ -f ${1:-$VECTON_REPO_DIR/.run}/ports ]] || return 0
  local dir
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  [[ -f $PG_DIR/data/postmaster.pid ]] || return 0
  # Immediate mode: like a crash, which is what fault tests want, and the fastest stop.
  _as_pg_user "$VECTON_PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "${VECTON_PG_STOP_MODE:-fast}" -w -t 60 stop >/dev/null 2>&1 || true
  local pid
  pid=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null || true)
  if _alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    while _alive "$pid"; do sleep 0.1; done
  fi
  _log "PostgreSQL stopped"
}

# --- Redis -----------------------------------------------------------------------------------

redis_running() {
  local dir
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  _alive "$(cat "$dir/redis/redis.pid" 2>/dev/null)"
}

redis_start() {
  local dir t0
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  t0=$(_now_ms)
  mkdir -p "$dir/redis"
  if redis_running "$dir"; then
    _log "Redis already running on port $REDIS_PORT"
  else
    cat >"$dir/redis/redis.conf" <<EOF
# Generated by scripts/servers.sh: private, in memory only.
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize no
dir $dir/redis
save ""
appendonly no
maxclients 1000
loglevel warning
EOF
    # setsid: its own process group, so stop can signal it whole; the pid is the group leader's.
    setsid redis-server "$dir/redis/redis.conf" >>"$dir/redis/redis.log" 2>&1 </dev/null &
    echo $! >"$dir/redis/redis.pid"
    _wait_for "$VECTON_START_TIMEOUT" Redis _redis_ready "$dir" ||
      { tail -n 20 "$dir/redis/redis.log" >&2; return 1; }
  fi
  _write_env "$dir"
  _log "Redis ready on 127.0.0.1:$REDIS_PORT in $(($(_now_ms) - t0)) ms"
}

_redis_ready() {
  redis_running "$1" || { _die "Redis exited (log: $1/redis/redis.log)"; return 2; }
  [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

redis_stop() {
  [[ -f ${1:-$VECTON_REPO_DIR/.run}/ports ]] || return 0
  local dir
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  redis_running "$dir" || return 0
  _kill_group "$(cat "$dir/redis/redis.pid" 2>/dev/null)" 20
  rm -f "$dir/redis/redis.pid"
  _log "Redis stopped"
}

# --- RabbitMQ --------------------------------------------------------------------------------

# The versioned scripts run as the calling user with our environment; the Debian wrappers in
# /usr/sbin would `cd /var/lib/rabbitmq` and `su rabbitmq`, ignoring it.
_rabbit_sbin() {
  local d
  for d in /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin; do [[ -x $d/rabbitmq-server ]] && echo "$d"; done | tail -n 1
}

# Exports the environment every RabbitMQ script (server and CLI) needs to find our node.
_rabbit_env() {
  local dir=$1 r=$1/rabbitmq
  export HOME=$r/home
  export ERL_EPMD_PORT=$RABBIT_EPMD_PORT
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_NODENAME=$RABBIT_NODE
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=$AMQP_PORT
  export RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT
  export RABBITMQ_CONF_ENV_FILE=$r/rabbitmq-env.conf
  export RABBITMQ_CONFIG_FILE=$r/rabbitmq.conf
  export RABBITMQ_ADVANCED_CONFIG_FILE=$r/advanced.config
  export RABBITMQ_ENABLED_PLUGINS_FILE=$r/enabled_plugins
  export RABBITMQ_ENABLED_PLUGINS=
  export RABBITMQ_MNESIA_BASE=$r/mnesia
  export RABBITMQ_LOG_BASE=$r/log
  export RABBITMQ_PID_FILE=$r/beam.pid
}

# Runs rabbitmqctl against the private node of DIR.
rabbit_ctl() {
  local dir
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  shift
  (_rabbit_env "$dir" && "$(_rabbit_sbin)/rabbitmqctl" -n "$RABBIT_NODE" "$@")
}

rabbit_running() {
  local dir
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  _alive "$(cat "$dir/rabbitmq/server.pid" 2>/dev/null)"
}

rabbit_start() {
  local dir t0 sbin
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  t0=$(_now_ms)
  sbin=$(_rabbit_sbin)
  [[ -n $sbin ]] || { _die "rabbitmq-server is not installed (scripts/install-deps.sh)"; return 1; }
  local r=$dir/rabbitmq
  mkdir -p "$r/home" "$r/mnesia" "$r/log"
  if rabbit_running "$dir"; then
    _log "RabbitMQ already running on port $AMQP_PORT"
    _write_env "$dir"
    return 0
  fi
  : >"$r/rabbitmq-env.conf"
  echo '[].' >"$r/enabled_plugins"
  cat >"$r/rabbitmq.conf" <<EOF
# Generated by scripts/servers.sh: one private node on loopback.
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
loopback_users.guest = true
# The test machines may have little free disk; the default 50MB would block publishers there.
disk_free_limit.absolute = 10MB
vm_memory_high_watermark.relative = 0.6
log.console = false
log.file.level = warning
EOF
  (
    _rabbit_env "$dir"
    # Our own epmd, on our own port, in its own process group (so stop finds it again).
    if ! port_open "$RABBIT_EPMD_PORT"; then
      setsid epmd -port "$RABBIT_EPMD_PORT" -address 127.0.0.1 >>"$r/log/epmd.log" 2>&1 </dev/null &
      echo $! >"$r/epmd.pid"
    fi
    cd "$r" || exit 1
    setsid "$sbin/rabbitmq-server" >>"$r/log/server.out" 2>&1 </dev/null &
    echo $! >"$r/server.pid"
  ) || return 1
  if ! _wait_for "$VECTON_START_TIMEOUT" "RabbitMQ listener" _rabbit_port_ready "$dir"; then
    tail -n 30 "$r/log/server.out" >&2
    return 1
  fi
  # The AMQP listener opens last during boot; await_startup confirms the boot finished.
  rabbit_ctl "$dir" -q await_startup --timeout "$VECTON_START_TIMEOUT" >/dev/null ||
    { _die "RabbitMQ did not finish booting (logs: $r/log)"; return 1; }
  _write_env "$dir"
  _log "RabbitMQ ready on 127.0.0.1:$AMQP_PORT (node $RABBIT_NODE) in $(($(_now_ms) - t0)) ms"
}

_rabbit_port_ready() {
  rabbit_running "$1" || { _die "RabbitMQ exited (log: $1/rabbitmq/log/server.out)"; return 2; }
  port_open "$AMQP_PORT"
}

rabbit_stop() {
  [[ -f ${1:-$VECTON_REPO_DIR/.run}/ports ]] || return 0
  local dir r
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  r=$dir/rabbitmq
  [[ -f $r/server.pid || -f $r/epmd.pid ]] || return 0
  # The start script traps SIGTERM and stops the VM cleanly; the group kill takes beam.smp,
  # erl_child_setup and inet_gethost with it.
  _kill_group "$(cat "$r/server.pid" 2>/dev/null)" 30
  local beam
  beam=$(cat "$r/beam.pid" 2>/dev/null || true)
  if _alive "$beam"; then
    kill -KILL "$beam" 2>/dev/null || true
    while _alive "$beam"; do sleep 0.1; done
  fi
  _kill_group "$(cat "$r/epmd.pid" 2>/dev/null)" 5
  rm -f "$r/server.pid" "$r/beam.pid" "$r/epmd.pid"
  _log "RabbitMQ stopped"
}

# --- all three -------------------------------------------------------------------------------

# Starts the three servers in DIR in parallel (RabbitMQ's boot dominates; the others overlap it).
servers_start() {
  local dir t0 rc=0
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  t0=$(_now_ms)
  rabbit_start "$dir" &
  local rabbit_job=$!
  pg_start "$dir" || rc=1
  redis_start "$dir" || rc=1
  wait "$rabbit_job" || rc=1
  _write_env "$dir"
  if ((rc != 0)); then
    _die "some servers failed to start (state dir: $dir)"
    return 1
  fi
  _log "all servers ready in $(($(_now_ms) - t0)) ms; env: $dir/env"
}

servers_stop() {
  [[ -f ${1:-$VECTON_REPO_DIR/.run}/ports ]] || return 0
  local dir
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  rabbit_stop "$dir" &
  local rabbit_job=$!
  pg_stop "$dir"
  redis_stop "$dir"
  wait "$rabbit_job"
}

servers_status() {
  local dir
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  local s
  s=stopped; pg_running "$dir" && s=running
  echo "postgresql $s 127.0.0.1:$PGPORT (data $PG_DIR/data)"
  s=stopped; redis_running "$dir" && s=running
  echo "redis      $s 127.0.0.1:$REDIS_PORT"
  s=stopped; rabbit_running "$dir" && s=running
  echo "rabbitmq   $s 127.0.0.1:$AMQP_PORT (node $RABBIT_NODE, epmd $RABBIT_EPMD_PORT)"
}

# Stops everything and deletes the state (including a PostgreSQL data dir kept under /var/tmp).
servers_destroy() {
  [[ -f ${1:-$VECTON_REPO_DIR/.run}/ports ]] || return 0
  local dir
  dir=$(_state_dir "${1:-}") && _load_ports "$dir" || return 1
  servers_stop "$dir"
  [[ $PG_DIR == /var/tmp/vecton-pg.* ]] && rm -rf "$PG_DIR"
  rm -rf "$dir"
}

# --- command line ----------------------------------------------------------------------------

_servers_main() {
  set -euo pipefail
  local cmd=${1:-}
  shift || true
  case $cmd in
    start) servers_start "${1:-}" ;;
    stop) servers_stop "${1:-}" ;;
    status) servers_status "${1:-}" ;;
    destroy) servers_destroy "${1:-}" ;;
    env) local d; d=$(_state_dir "${1:-}"); _write_env "$d"; cat "$d/env" ;;
    pg-start) pg_start "${1:-}" ;;
    pg-stop) pg_stop "${1:-}" ;;
    pg-restart) pg_stop "${1:-}" && pg_start "${1:-}" ;;
    redis-start) redis_start "${1:-}" ;;
    redis-stop) redis_stop "${1:-}" ;;
    redis-restart) redis_stop "${1:-}" && redis_start "${1:-}" ;;
    rabbit-start) rabbit_start "${1:-}" ;;
    rabbit-stop) rabbit_stop "${1:-}" ;;
    rabbit-restart) rabbit_stop "${1:-}" && rabbit_start "${1:-}" ;;
    rabbitmqctl) rabbit_ctl "$@" ;;
    *)
      sed -n '/^# Use it as a command:/,/^# Per-server/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
      return 2
      ;;
  esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  _servers_main "$@"
fi
