#!/usr/bin/env bash
# Starts the local PostgreSQL and MariaDB servers the integration tests use, when
# they are installed here but not running. Prints what it did; changes nothing when
# they already answer. Tests that need a server that is still missing skip with a
# message on a laptop and fail in CI (CI=true).
set -uo pipefail

wait_for() { # name, seconds, command...
  local name=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 4))); do
    if "$@" >/dev/null 2>&1; then echo "services: $name is up"; return 0; fi
    sleep 0.25
  done
  echo "services: $name did not come up within ${secs}s" >&2
  return 1
}

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q; }
if command -v pg_isready >/dev/null 2>&1; then
  if ! pg_up; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
      echo "services: starting PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
      wait_for PostgreSQL 30 pg_up
    else
      echo "services: PostgreSQL is not running and cannot be started from here"
    fi
  else
    echo "services: PostgreSQL is up"
  fi
else
  echo "services: PostgreSQL client tools not installed; PostgreSQL tests will skip (or fail in CI)"
fi

maria_up() { mariadb-admin -h 127.0.0.1 -P 3306 -u root ping || mysqladmin -h 127.0.0.1 -P 3306 -u root ping; }
if [ -x /usr/sbin/mariadbd ]; then
  if ! maria_up >/dev/null 2>&1; then
    echo "services: starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
    wait_for MariaDB 30 maria_up
  else
    echo "services: MariaDB is up"
  fi
else
  echo "services: MariaDB not installed; MariaDB tests will skip (or fail in CI)"
fi
exit 0
