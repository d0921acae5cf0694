#!/usr/bin/env bash
# Stop Bascule's local control plane (the API server, then etcd) by the pids
# that up.sh recorded: TERM, then KILL after a grace period. Idempotent.
#
# etcd's data goes too (up.sh wipes it on every start anyway).
#
#   --purge  also delete the server's certificates and the kubeconfig
#   --quiet  say nothing when there is nothing to stop (used by up.sh)
set -euo pipefail

# shellcheck source=hack/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GRACE_SECONDS=10
REAP_SECONDS=15

main() {
  local purge=0 quiet=0 arg
  for arg in "$@"; do
    case "$arg" in
      --purge) purge=1 ;;
      --quiet) quiet=1 ;;
      *) die "usage: down.sh [--purge] [--quiet]" ;;
    esac
  done

  # Whether this checkout's etcd runs: only its data is ours to delete (the folder in /dev/shm
  # is named by port, and another checkout may use the same port).
  local etcd_ours=0
  if pid_alive "$ETCD_PID_FILE" && is_ours "$(<"$ETCD_PID_FILE")" "etcd"; then
    etcd_ours=1
  fi

  # The API server first, so it does not log a storm of etcd errors.
  stop "$APISERVER_PID_FILE" "kube-apiserver" "$quiet"
  stop "$ETCD_PID_FILE" "etcd" "$quiet"

  # up.sh wipes etcd's data on every start, so none is worth keeping; in /dev/shm it holds RAM.
  if ((etcd_ours || purge)); then
    rm -rf "$ETCD_DATA_DIR"
  fi
  if ((purge)); then
    rm -rf "$APISERVER_CERT_DIR" "$KUBECONFIG_PATH"
    log "purged etcd data, certificates and kubeconfig"
  fi
}

# Stop the process a pid file names, if it is still the process we started
# (the command name matches), then remove the pid file.
stop() {
  local pid_file="$1" name="$2" quiet="$3" pid
  if ! pid_alive "$pid_file" || ! is_ours "$(<"$pid_file")" "$name"; then
    rm -f "$pid_file"
    return 0
  fi

  pid="$(<"$pid_file")"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + GRACE_SECONDS))
  while running "$pid" && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if running "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    log "$name (pid $pid) ignored TERM for ${GRACE_SECONDS} s; killed"
  fi
  wait_reaped "$pid"
  rm -f "$pid_file"
  ((quiet)) || log "stopped $name (pid $pid)"
}

# The stopped process was orphaned when up.sh exited, so init must reap it;
# some container inits do that only every few seconds. Wait (bounded) so that
# no <defunct> entry is left in ps when this script returns.
wait_reaped() {
  local deadline=$((SECONDS + REAP_SECONDS))
  while [[ -e "/proc/$1" ]] && ((SECONDS < deadline)); do
    sleep 0.2
  done
}

# Alive and not a zombie: an exited process whose parent (here often a
# container's init) has not reaped it yet counts as stopped.
running() {
  kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# Guards against a recycled pid: the process name must match what we started.
is_ours() {
  local comm
  comm="$(cat "/proc/$1/comm" 2>/dev/null || true)"
  [[ "$comm" == "$2"* ]]
}

main "$@"
