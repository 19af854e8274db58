#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for the oversight/postgres
# integration tests, built from Debian's postgresql package.
#
#   bash .ci/postgres.sh start   # installs postgresql if missing, starts a
#                                # cluster and prints the DSN on stdout
#   bash .ci/postgres.sh stop    # stops it and removes its directory
#
# Typical use:
#   export AIMSKIT_POSTGRES_DSN="$(bash .ci/postgres.sh start)"
#   go test ./oversight/postgres/...
#   bash .ci/postgres.sh stop
#
# It never uses pg_createcluster/pg_ctlcluster (they write under
# /etc/postgresql); the cluster lives in a fresh temporary directory owned by
# the postgres user. Progress goes to stderr, so stdout is only the DSN.
set -euo pipefail

PORT="${AIMSKIT_PG_PORT:-55432}"
DB="${AIMSKIT_PG_DB:-aimskit}"
STATE="${AIMSKIT_PG_STATE:-/tmp/aimskit-postgres.dir}" # remembers the data dir

log() { echo "postgres.sh: $*" >&2; }

pgbin() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/pg_ctl" ]; then
			echo "$d"
		fi
	done | sort -V | tail -n 1
}

install_pg() {
	if [ -n "$(pgbin)" ]; then
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		log "postgresql is not installed and we are not root"
		exit 1
	fi
	log "installing Debian's postgresql"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2 || true
	apt-get install -y -q --no-install-recommends postgresql >&2
}

# run_as_pg runs a command as the postgres user when we are root.
run_as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start() {
	install_pg
	local bin dir
	bin="$(pgbin)"
	if [ -z "$bin" ]; then
		log "no pg_ctl under /usr/lib/postgresql/*/bin"
		exit 1
	fi
	if [ -f "$STATE" ] && [ -d "$(cat "$STATE")" ]; then
		log "a cluster from an earlier start is still there; stopping it first"
		stop
	fi
	dir="$(mktemp -d /tmp/aimskit-pg.XXXXXX)"
	chmod 755 "$dir"
	if [ "$(id -u)" = 0 ]; then
		chown postgres:postgres "$dir"
	fi
	echo "$dir" >"$STATE"
	run_as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >&2
	run_as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$dir -c fsync=off" start >&2 || {
		cat "$dir/server.log" >&2 || true
		exit 1
	}
	run_as_pg "$bin/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -q -c "CREATE DATABASE $DB" >&2
	echo "postgres://postgres@127.0.0.1:$PORT/$DB?sslmode=disable"
}

stop() {
	local bin dir
	if [ ! -f "$STATE" ]; then
		log "no cluster to stop"
		return 0
	fi
	dir="$(cat "$STATE")"
	bin="$(pgbin)"
	if [ -n "$bin" ] && [ -d "$dir/data" ]; then
		run_as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
	fi
	rm -rf "$dir" "$STATE"
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
dsn) echo "postgres://postgres@127.0.0.1:$PORT/$DB?sslmode=disable" ;;
*)
	log "usage: $0 start|stop|dsn"
	exit 2
	;;
esac
