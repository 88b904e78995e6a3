#!/usr/bin/env bash
# A 3-node MariaDB Galera cluster on 127.0.0.1, from Debian's mariadb-server + galera-4, for keyform's
# Galera suite (test/galera) and the bench's galera phase. Data lives under $KEYFORM_GALERA_DIR.
#
#   cluster.sh up            start 3 nodes (node 1 bootstraps), wait until all are Synced; reuses a healthy cluster
#   cluster.sh down          stop every node (even a paused one) and delete the data
#   cluster.sh status        one line per node; exit 0 only when 3 nodes are Synced in one primary component
#   cluster.sh urls          the app user's URL of each node, one a line
#   cluster.sh pause-node N  SIGSTOP node N (cut off: the others go on without it)    resume-node N: SIGCONT
#   cluster.sh kill-node N   SIGKILL node N                                           start-node N: rejoin, wait for Synced
#   cluster.sh wait-synced N [SECONDS]
#
# Ports (node i = 1..3, base $KEYFORM_GALERA_PORT, default 4306): SQL base+i-1, group communication
# base+100+i-1, state transfer (rsync) base+200+i-1, incremental state transfer base+300+i-1 — never
# 3306, where the shared MariaDB runs. Root speaks through each node's unix socket only; the app user
# keyform/keyform may connect over TCP from 127.0.0.1.
set -euo pipefail

DIR=${KEYFORM_GALERA_DIR:-/tmp/keyform-galera}
BASE=${KEYFORM_GALERA_PORT:-4306}
NODES=(1 2 3)
APP_USER=keyform
APP_PASSWORD=keyform
PROVIDER=${KEYFORM_GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}
RUN_AS=$([ "$(id -u)" = 0 ] && echo mysql || id -un)

sql_port() { echo $((BASE + $1 - 1)); }
gcomm_port() { echo $((BASE + 100 + $1 - 1)); }
node_dir() { echo "$DIR/node$1"; }
sock() { echo "$(node_dir "$1")/mysqld.sock"; }
pid_of() { cat "$(node_dir "$1")/mysqld.pid" 2>/dev/null || true; }
alive() { local p; p=$(pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
root_sql() { mariadb --no-defaults --socket="$(sock "$1")" -uroot -N -B -e "$2" 2>/dev/null; }
state_of() { root_sql "$1" "SHOW STATUS LIKE 'wsrep_local_state_comment'" | cut -f2; }

write_config() {
  local n=$1 d addresses
  d=$(node_dir "$n")
  addresses=$(for i in "${NODES[@]}"; do printf '127.0.0.1:%s,' "$(gcomm_port "$i")"; done)
  cat >"$d/my.cnf" <<EOF
[mysqld]
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
log-error=$d/error.log
port=$(sql_port "$n")
bind-address=127.0.0.1
user=$RUN_AS
skip-name-resolve
performance_schema=OFF
innodb_buffer_pool_size=96M
innodb_log_file_size=64M
innodb_flush_log_at_trx_commit=2
max_connections=300
max_allowed_packet=256M
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=keyform_test
wsrep_cluster_address=gcomm://${addresses%,}
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$(gcomm_port "$n")
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$((BASE + 200 + n - 1))
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(gcomm_port "$n");ist.recv_addr=127.0.0.1:$((BASE + 300 + n - 1));gcache.size=256M"
EOF
}

# Starts node N in the background; `new` bootstraps a new cluster from it.
launch() {
  local n=$1 mode=${2:-join} d
  d=$(node_dir "$n")
  rm -f "$d/mysqld.pid"
  local args=(--defaults-file="$d/my.cnf")
  [ "$mode" = new ] && args+=(--wsrep-new-cluster)
  setsid mariadbd "${args[@]}" </dev/null >>"$d/stdout.log" 2>&1 &
  echo $! >"$d/launch.pid"
}

wait_synced() {
  local n=$1 limit=${2:-180} i
  local launched
  launched=$(cat "$(node_dir "$n")/launch.pid" 2>/dev/null || true)
  for ((i = 0; i < limit * 4; i++)); do
    [ "$(state_of "$n" || true)" = Synced ] && return 0
    if [ -n "$launched" ] && ! kill -0 "$launched" 2>/dev/null && ! alive "$n"; then
      echo "node $n exited while starting" >&2
      break
    fi
    sleep 0.25
  done
  echo "node $n is not Synced; last lines of $(node_dir "$n")/error.log:" >&2
  tail -n 30 "$(node_dir "$n")/error.log" >&2 || true
  return 1
}

healthy() {
  local n
  for n in "${NODES[@]}"; do
    alive "$n" || return 1
    [ "$(state_of "$n" || true)" = Synced ] || return 1
    [ "$(root_sql "$n" "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2)" = "${#NODES[@]}" ] || return 1
  done
}

up() {
  if healthy; then
    echo "galera: reusing the running cluster in $DIR"
    return 0
  fi
  command -v mariadbd >/dev/null || { echo "mariadbd not found: apt-get install mariadb-server galera-4 rsync" >&2; exit 1; }
  [ -f "$PROVIDER" ] || { echo "$PROVIDER not found: apt-get install galera-4" >&2; exit 1; }
  command -v rsync >/dev/null || { echo "rsync not found: apt-get install rsync" >&2; exit 1; }
  down >/dev/null
  mkdir -p "$DIR"
  chmod 711 "$DIR"
  local n
  for n in "${NODES[@]}"; do
    mkdir -p "$(node_dir "$n")/data"
    write_config "$n"
    chown -R "$RUN_AS" "$(node_dir "$n")"
  done
  # Only node 1 gets a fresh system schema; the others receive everything by state transfer.
  mariadb-install-db --no-defaults --datadir="$(node_dir 1)/data" --user="$RUN_AS" --auth-root-authentication-method=socket \
    --skip-test-db >"$(node_dir 1)/install.log" 2>&1 || { cat "$(node_dir 1)/install.log" >&2; exit 1; }
  launch 1 new
  wait_synced 1 60
  root_sql 1 "CREATE USER IF NOT EXISTS '$APP_USER'@'127.0.0.1' IDENTIFIED BY '$APP_PASSWORD'; GRANT ALL ON *.* TO '$APP_USER'@'127.0.0.1'; FLUSH PRIVILEGES;"
  for n in "${NODES[@]:1}"; do
    launch "$n"
    wait_synced "$n" 120
  done
  healthy || { status >&2; exit 1; }
  echo "galera: 3 nodes Synced on SQL ports $(sql_port 1)-$(sql_port 3)"
}

stop_node() {
  local n=$1 p i
  p=$(pid_of "$n")
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 0
  kill -CONT "$p" 2>/dev/null || true
  kill -TERM "$p" 2>/dev/null || true
  for ((i = 0; i < 120; i++)); do
    kill -0 "$p" 2>/dev/null || return 0
    sleep 0.25
  done
  kill -KILL "$p" 2>/dev/null || true
}

down() {
  local n
  # Joiners first, so that the last node standing has nothing left to wait for.
  for n in 3 2 1; do stop_node "$n"; done
  rm -rf "$DIR"
  echo "galera: stopped; $DIR removed"
}

status() {
  local n ok=0
  for n in "${NODES[@]}"; do
    if alive "$n"; then
      echo "node $n pid $(pid_of "$n") port $(sql_port "$n"): $(state_of "$n" || echo unreachable), cluster size $(root_sql "$n" "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2 || echo '?')"
    else
      echo "node $n: not running"
    fi
  done
  healthy || ok=1
  return $ok
}

node_arg() {
  case "${1:-}" in 1 | 2 | 3) ;; *) echo "node must be 1, 2 or 3" >&2; exit 2 ;; esac
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  urls) for n in "${NODES[@]}"; do echo "mysql://$APP_USER:$APP_PASSWORD@127.0.0.1:$(sql_port "$n")"; done ;;
  pause-node) node_arg "${2:-}"; kill -STOP "$(pid_of "$2")" ;;
  resume-node) node_arg "${2:-}"; kill -CONT "$(pid_of "$2")" ;;
  kill-node)
    node_arg "${2:-}"
    p=$(pid_of "$2")
    kill -KILL "$p"
    while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
    ;;
  start-node) node_arg "${2:-}"; alive "$2" || launch "$2"; wait_synced "$2" 180 ;;
  wait-synced) node_arg "${2:-}"; wait_synced "$2" "${3:-180}" ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
