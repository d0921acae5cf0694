#!/usr/bin/env bash
# Start Bascule's local control plane: Debian's etcd and a Kubernetes API server
# built from Debian's packaged Kubernetes sources (hack/kube-apiserver), both on
# loopback only, then write .local/kubeconfig and install the stand-in CRDs for
# Leases and Events.
#
# Idempotent: when both processes already run and answer, it only refreshes the
# kubeconfig and the stand-ins. Otherwise it starts from a fresh etcd data
# directory, so every test run sees an empty cluster.
#
# Environment: BASCULE_CACHE (default ~/.cache/bascule), BASCULE_APISERVER_PORT
# (6443), BASCULE_ETCD_CLIENT_PORT (23790), BASCULE_ETCD_PEER_PORT (23800),
# BASCULE_REFRESH=1 to re-resolve Debian unstable even when the locked build is
# cached.
set -euo pipefail

# shellcheck source=hack/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

READY_TIMEOUT_SECONDS=60

main() {
  local started_at key
  started_at="$(date +%s)"
  require_kubectl

  # Concurrent runs (two terminals, parallel make) would race on the pid files.
  mkdir -p "$LOCAL_DIR"
  exec 9>"$LOCAL_DIR/up.lock"
  flock -w 900 9 || die "another cluster-up holds $LOCAL_DIR/up.lock"

  if control_plane_healthy; then
    log "control plane already running (API server on port $APISERVER_PORT)"
  else
    ensure_etcd_installed
    key="$(ensure_binaries)"
    bash "$REPO_ROOT/hack/cluster/down.sh" --quiet
    start_etcd
    start_apiserver "$CACHE_DIR/bin/kube-apiserver-$key"
  fi

  write_kubeconfig
  install_standins
  log "control plane ready in $(($(date +%s) - started_at)) s"
  printf 'kubeconfig: %s  (export KUBECONFIG=%s)\n' "$KUBECONFIG_PATH" "$KUBECONFIG_PATH"
}

require_kubectl() {
  command -v kubectl >/dev/null 2>&1 ||
    die "kubectl not found: install it (it comes with this kind of machine) and retry"
}

control_plane_healthy() {
  pid_alive "$ETCD_PID_FILE" && pid_alive "$APISERVER_PID_FILE" && apiserver_ready
}

apiserver_ready() {
  curl -ksf --max-time 2 "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null 2>&1
}

etcd_healthy() {
  curl -sf --max-time 2 "http://127.0.0.1:$ETCD_CLIENT_PORT/health" 2>/dev/null |
    grep -q '"health":"true"'
}

# Debian bookworm's etcd-server (3.4) is the storage; install it when missing.
ensure_etcd_installed() {
  command -v etcd >/dev/null 2>&1 && return 0
  log "installing Debian package etcd-server"
  local apt_log="$LOCAL_DIR/logs/apt-etcd.log" sudo=()
  ((EUID == 0)) || sudo=(sudo -n)
  mkdir -p "$LOCAL_DIR/logs"
  if ! { "${sudo[@]}" timeout 300 apt-get -q "${APT_TIMEOUT_OPTS[@]}" update &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" timeout 600 apt-get -q -y \
      "${APT_TIMEOUT_OPTS[@]}" install etcd-server; } >"$apt_log" 2>&1; then
    die "could not install Debian package etcd-server, see $apt_log"
  fi
}

# Refuse to start on a port something else holds: the error would otherwise
# surface later as a confusing connection to the wrong server.
require_free_port() {
  local port="$1" what="$2"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port for $what is in use by another process; set $3 to another port"
  fi
}

start_etcd() {
  local client="http://127.0.0.1:$ETCD_CLIENT_PORT" peer="http://127.0.0.1:$ETCD_PEER_PORT"
  require_free_port "$ETCD_CLIENT_PORT" etcd BASCULE_ETCD_CLIENT_PORT
  require_free_port "$ETCD_PEER_PORT" "etcd peers" BASCULE_ETCD_PEER_PORT
  # A fresh data directory on every start: tests expect an empty cluster.
  rm -rf "$ETCD_DATA_DIR"
  mkdir -p "$ETCD_DATA_DIR" "$LOCAL_DIR/logs"
  chmod 700 "$ETCD_DATA_DIR"

  start_background "$ETCD_PID_FILE" "$LOCAL_DIR/logs/etcd.log" etcd \
    --name bascule --data-dir "$ETCD_DATA_DIR" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "bascule=$peer" --initial-cluster-state new
  wait_until "etcd" "$ETCD_PID_FILE" "$LOCAL_DIR/logs/etcd.log" etcd_healthy
}

start_apiserver() {
  local binary="$1"
  require_free_port "$APISERVER_PORT" "the API server" BASCULE_APISERVER_PORT
  mkdir -p "$APISERVER_CERT_DIR"
  start_background "$APISERVER_PID_FILE" "$LOCAL_DIR/logs/kube-apiserver.log" "$binary" \
    --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --bind-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --cert-dir "$APISERVER_CERT_DIR"
  wait_until "the API server" "$APISERVER_PID_FILE" "$LOCAL_DIR/logs/kube-apiserver.log" apiserver_ready
}

# Run a command detached from this shell (its own session, no terminal), so it
# outlives `make` and ignores the terminal's signals; record its pid.
start_background() {
  local pid_file="$1" log_file="$2"
  shift 2
  # 9>&-: the server must not inherit (and so hold) up.sh's lock.
  setsid nohup "$@" >"$log_file" 2>&1 </dev/null 9>&- &
  printf '%s\n' "$!" >"$pid_file"
}

# Poll a readiness check with a deadline; fail fast if the process died.
wait_until() {
  local what="$1" pid_file="$2" log_file="$3" check="$4"
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  until "$check"; do
    pid_alive "$pid_file" || die "$what exited during start-up, see $log_file"
    ((SECONDS < deadline)) || die "$what not ready after ${READY_TIMEOUT_SECONDS} s, see $log_file"
    sleep 0.2
  done
}

# The server signs its serving certificate with a CA of its own and writes
# both to apiserver.crt; the kubeconfig trusts that file. The server has no
# authentication, so any token does.
write_kubeconfig() {
  local ca="$APISERVER_CERT_DIR/apiserver.crt"
  [[ -f "$ca" ]] || die "the API server wrote no certificate at $ca"
  cat >"$KUBECONFIG_PATH.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: bascule-local
    cluster:
      server: https://127.0.0.1:$APISERVER_PORT
      certificate-authority: $ca
users:
  - name: bascule-local
    user:
      token: bascule-local-no-auth
contexts:
  - name: bascule-local
    context:
      cluster: bascule-local
      user: bascule-local
current-context: bascule-local
EOF
  mv "$KUBECONFIG_PATH.tmp" "$KUBECONFIG_PATH"
}

# Leases (leader election) and events.k8s.io Events are core APIs this server
# lacks; CRD stand-ins serve them, for the local control plane only.
install_standins() {
  local dir="$REPO_ROOT/hack/cluster/standins" out
  if ! out="$(kubectl --kubeconfig "$KUBECONFIG_PATH" apply --server-side \
    --field-manager bascule-cluster-up -f "$dir" 2>&1)"; then
    die "could not install the stand-in CRDs: $(tr '\n' ' ' <<<"$out")"
  fi
  if ! out="$(kubectl --kubeconfig "$KUBECONFIG_PATH" wait --for condition=Established \
    --timeout 30s crd/leases.coordination.k8s.io crd/events.events.k8s.io 2>&1)"; then
    die "stand-in CRDs not established: $(tr '\n' ' ' <<<"$out")"
  fi
}

main "$@"
