# A throwaway PostgreSQL for the tests, on a free 127.0.0.1 port.
#
#   source .ci/postgres.sh
#   pg_start            # installs Debian's postgresql if it is missing
#   ...                 # LICMAN_TEST_PG=postgres://postgres@127.0.0.1:PORT
#                       # (and LICMAN_SEATS_TEST_PG, the same server)
#   pg_stop             # also run by the EXIT trap pg_start sets
#
# initdb refuses to run as root, so as root the server runs as the
# `postgres` user (runuser). The data directory is deleted on stop.

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_start() {
  local bin
  bin=$(pg_bin_dir)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "installing PostgreSQL (Debian's postgresql package)"
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; }
    else
      sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
    fi
    bin=$(pg_bin_dir)
  fi
  PG_RUN=()
  if [ "$(id -u)" = 0 ]; then
    PG_RUN=(runuser -u postgres --)
  fi
  PG_DIR=$(mktemp -d /tmp/licman-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_DIR"
  fi
  PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${PG_RUN[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log"; return 1; }
  PG_OPTS="-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200"
  "${PG_RUN[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -o "$PG_OPTS" start >/dev/null \
    || { cat "$PG_DIR/server.log"; return 1; }
  trap pg_stop EXIT
  # The server for every test that needs one (LICMAN_TEST_PG: the keygen
  # ledger's tests and walkthrough; LICMAN_SEATS_TEST_PG: the seat store's).
  export LICMAN_TEST_PG="postgres://postgres@127.0.0.1:$PG_PORT"
  export LICMAN_SEATS_TEST_PG="$LICMAN_TEST_PG"
  # How a test stops and starts the server (the restart test; `start`
  # needs the options again) and where pgbench is.
  export LICMAN_SEATS_TEST_PG_CTL="${PG_RUN[*]} $bin/pg_ctl -D $PG_DIR/data -l $PG_DIR/server.log"
  export LICMAN_SEATS_TEST_PG_OPTS="$PG_OPTS"
  export LICMAN_SEATS_TEST_PG_BIN="$bin"
  export LICMAN_SEATS_TEST_PG_DATA="$PG_DIR/data"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    "${PG_RUN[@]}" "$(pg_bin_dir)/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
  PG_DIR=
}
