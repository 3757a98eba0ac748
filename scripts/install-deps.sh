#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, test, benchmark and demo.
#
# Idempotent and fast on re-runs: when dpkg already reports every package as installed, apt is
# not touched at all (no `apt-get update`, no lock). Needs root (or sudo) only when something is
# actually missing. Node.js and npm are taken from the machine when `npm` is already on PATH (a
# nodesource build conflicts with Debian's npm package), otherwise from Debian.
set -euo pipefail

packages=(
  # toolchain
  build-essential g++ cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format
  # libraries the C++ code links
  libcpprest-dev librabbitmq-dev libpqxx-dev libhiredis-dev libfmt-dev libyaml-cpp-dev
  doctest-dev libsystemd-dev libcairo2-dev libssl-dev
  # servers started privately by scripts/servers.sh, and their clients
  postgresql redis-server rabbitmq-server amqp-tools
  # benchmarks, PDF reports, demo
  wrk jq fonts-dejavu-core poppler-utils curl ca-certificates tzdata
  # used by the scripts themselves (runuser/setsid, useradd, ps)
  util-linux passwd procps
)
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ $status == "ii "* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
# Debian's postinst scripts would start the packaged PostgreSQL, Redis and RabbitMQ as system
# services (through init scripts when there is no systemd). Ours are private (scripts/servers.sh),
# so a temporary policy-rc.d forbids that, unless the machine already has a policy of its own.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
