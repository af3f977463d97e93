#!/usr/bin/env bash
# Starts PostgreSQL, MariaDB and Redis when they are installed but not answering (CI machines
# normally start them before the run; this makes a stopped service a non-event).
set -uo pipefail
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! port_open 5432 && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! port_open 3306 && [ -x /usr/sbin/mariadbd ]; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
if ! port_open 6379 && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
fi
for _ in $(seq 1 30); do
  if port_open 5432 && port_open 3306 && port_open 6379; then exit 0; fi
  sleep 1
done
echo "warning: not every service answers (5432/3306/6379)" >&2
