#!/usr/bin/env bash
# Runs every Citadel test. On a fresh Debian machine with Go, as root, it
# first installs what the tests need (PostgreSQL's server and client for
# the storage tests on both engines and the backup drill, Redis for the
# shared rate limits, Chromium for the browser tests); the tests start
# their own throwaway instances on loopback and free ports. A browser test
# that finds no Chromium fails here rather than skipping
# (CITADEL_REQUIRE_BROWSER); set CITADEL_ARTIFACTS to an absolute path to
# collect its screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
command -v pg_dump >/dev/null 2>&1 || need+=(postgresql-client)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test.sh: missing ${need[*]}; run as root or install them with apt-get" >&2
    exit 1
  fi
  echo "test.sh: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

unformatted=$(gofmt -l cmd internal)
if [ -n "$unformatted" ]; then
  printf 'gofmt would change:\n%s\n' "$unformatted" >&2
  exit 1
fi
go vet ./...
export CITADEL_REQUIRE_BROWSER=1
go test -count=1 -timeout 25m "$@" ./...
