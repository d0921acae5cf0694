# shellcheck shell=bash disable=SC2034 # its variables are used by the scripts that source it
# Shared by up.sh and celcheck.sh: obtain Kubernetes' Go sources and the Go
# toolchain from Debian unstable, and build hack's two Go programs from them.
#
# Debian unstable is the only suite that packages the apiextensions API server
# as source (see ../shared/notes/kube-apiserver.md). It moves daily, so the
# binaries are cached outside the repository, keyed by the exact package
# versions and by hack's own Go sources, and the last good build is kept for
# the day a download or build breaks.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${BASCULE_CACHE:-$HOME/.cache/bascule}"
LOCAL_DIR="$REPO_ROOT/.local"
LOCK_FILE="$REPO_ROOT/hack/cluster/debian-packages.lock"

# Loopback ports; the defaults avoid etcd's and a real cluster's usual ones
# except 6443, which kubectl users expect.
APISERVER_PORT="${BASCULE_APISERVER_PORT:-6443}"
ETCD_CLIENT_PORT="${BASCULE_ETCD_CLIENT_PORT:-23790}"
ETCD_PEER_PORT="${BASCULE_ETCD_PEER_PORT:-23800}"
ETCD_PID_FILE="$LOCAL_DIR/etcd.pid"
# etcd's data is wiped on every start, so it lives in memory when the machine has
# a tmpfs at /dev/shm: every write of a Kubernetes object waits for etcd's fsync,
# and on a disk that wait, not the API server, bounds how fast the operator can
# move thousands of machines. BASCULE_ETCD_DATA_DIR chooses another place.
if [[ -n "${BASCULE_ETCD_DATA_DIR:-}" ]]; then
  ETCD_DATA_DIR="$BASCULE_ETCD_DATA_DIR"
elif [[ -d /dev/shm && -w /dev/shm ]]; then
  ETCD_DATA_DIR="/dev/shm/bascule-etcd-$ETCD_CLIENT_PORT"
else
  ETCD_DATA_DIR="$LOCAL_DIR/etcd"
fi
APISERVER_PID_FILE="$LOCAL_DIR/kube-apiserver.pid"
APISERVER_CERT_DIR="$LOCAL_DIR/apiserver-certs"
KUBECONFIG_PATH="$LOCAL_DIR/kubeconfig"

# The root package whose dependency closure holds every Go library we need.
ROOT_PACKAGE="golang-k8s-apiextensions-apiserver-dev"
# Preferred Go toolchain series; the newest golang-1.NN-go present is used when
# this one has left unstable.
GO_SERIES="${BASCULE_GO_SERIES:-1.27}"

APT_ROOT="$CACHE_DIR/apt"
# Bounded waits: a stalled mirror must fail, never hang.
APT_TIMEOUT_OPTS=(-o Acquire::http::Timeout=30 -o Acquire::Retries=2)
BUILD_TIMEOUT_SECONDS="${BASCULE_BUILD_TIMEOUT:-1200}"

log() { printf '%s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# True when the pid file names a live process.
pid_alive() {
  local pid
  [[ -f "$1" ]] && pid="$(<"$1")" && [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

# The mirror host of the machine's own sources, so the private sid list uses
# a mirror that is known to be reachable here.
mirror_url() {
  local url
  url="$(grep -rhoE '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+/debian/?([[:space:]]|$)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
    grep -oE 'https?://[^[:space:]]+' | head -n1 || true)"
  printf '%s\n' "${url:-http://deb.debian.org/debian}"
}

# apt with private state: sid must never touch the system's package database.
# As root, apt would drop to the _apt user, who cannot write into the cache.
sid_apt() {
  local tool="$1"
  shift
  timeout "${SID_APT_TIMEOUT:-300}" "$tool" \
    -o Dir::Etc::SourceList="$APT_ROOT/sid.sources.list" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$APT_ROOT/lists" \
    -o Dir::Cache="$APT_ROOT/cache" \
    -o Dir::State::status=/dev/null \
    -o APT::Sandbox::User=root \
    "${APT_TIMEOUT_OPTS[@]}" "$@"
}

# Refresh the private sid package lists (at most once per BASCULE_SID_TTL
# seconds, default 6 h, so repeated cluster-up runs stay fast and offline-ish).
sid_update() {
  mkdir -p "$APT_ROOT/lists/partial" "$APT_ROOT/cache/archives/partial"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s sid main\n' \
    "$(mirror_url)" >"$APT_ROOT/sid.sources.list"

  local stamp="$APT_ROOT/updated.stamp" ttl="${BASCULE_SID_TTL:-21600}"
  if [[ -f "$stamp" ]] && (($(date +%s) - $(stat -c %Y "$stamp") < ttl)); then
    return 0
  fi
  # --error-on=any: by default a failed fetch is only a warning.
  sid_apt apt-get -q --error-on=any update >"$APT_ROOT/update.log" 2>&1 || return 1
  compgen -G "$APT_ROOT/lists/*_dists_sid_main_binary-*_Packages*" >/dev/null || return 1
  touch "$stamp"
}

# The newest golang-1.NN-go series in sid, preferring GO_SERIES.
go_series() {
  if sid_apt apt-cache show "golang-$GO_SERIES-go" >/dev/null 2>&1; then
    printf '%s\n' "$GO_SERIES"
    return 0
  fi
  sid_apt apt-cache pkgnames golang-1. 2>/dev/null |
    sed -nE 's/^golang-(1\.[0-9]+)-go$/\1/p' | sort -V | tail -n1
}

# Print "name=version" for every package the build needs, sorted.
resolve_packages() {
  local series names
  series="$(go_series)"
  [[ -n "$series" ]] || return 1
  names="$(
    sid_apt apt-cache depends --recurse --no-recommends --no-suggests \
      --no-conflicts --no-breaks --no-replaces --no-enhances "$ROOT_PACKAGE" |
      grep -oE '^[[:space:]]*(Depends: |PreDepends: )?golang-[a-z0-9.+-]+-dev$' |
      sed -E 's/^[[:space:]]*(Depends: |PreDepends: )?//' | sort -u
  )"
  [[ -n "$names" ]] || return 1
  # One apt-cache call for all candidate versions: per-package calls take minutes.
  local wanted resolved
  # shellcheck disable=SC2086 # word splitting of the name list is intended
  wanted="$(printf '%s\n' $names "golang-$series-go" "golang-$series-src" | sort -u)"
  # shellcheck disable=SC2086 # word splitting of the name list is intended
  resolved="$(sid_apt apt-cache show --no-all-versions $wanted 2>/dev/null |
    awk '/^Package:/ { p = $2 } /^Version:/ { print p "=" $2 }' | sort -u)"
  if [[ "$(wc -l <<<"$resolved")" -ne "$(wc -l <<<"$wanted")" ]]; then
    log "missing in Debian unstable: $(comm -23 <(printf '%s\n' "$wanted") \
      <(cut -d= -f1 <<<"$resolved") | tr '\n' ' ')"
    return 1
  fi
  printf '%s\n' "$resolved"
}

# Hash of hack's Go sources: a change there must rebuild the binaries.
go_sources_hash() {
  (cd "$REPO_ROOT/hack" && find kube-apiserver celcheck -name '*.go' -type f -print0 |
    sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

cache_key() {
  local packages="$1"
  printf '%s\n%s\n' "$packages" "$(go_sources_hash)" | sha256sum | cut -c1-16
}

# Download and unpack every package into a private root; reuse a root that was
# already unpacked for this exact package list.
unpack_packages() {
  local packages="$1" root="$2"
  [[ -f "$root/.complete" ]] && return 0
  download_packages "$packages" || return 1

  rm -rf "$root"
  mkdir -p "$root"
  local spec
  while IFS= read -r spec; do
    dpkg -x "$(deb_file "$spec")" "$root" || {
      FAILED_PACKAGE="${spec%%=*}"
      return 1
    }
  done <<<"$packages"
  touch "$root/.complete"
}

# Fetch the .debs not already cached, in one apt call; when that fails, retry
# them one by one so the error can name the package that broke.
download_packages() {
  local packages="$1" spec missing=()
  mkdir -p "$APT_ROOT/debs"
  while IFS= read -r spec; do
    [[ -n "$(deb_file "$spec")" ]] || missing+=("$spec")
  done <<<"$packages"
  ((${#missing[@]} == 0)) && return 0

  log "downloading ${#missing[@]} Debian unstable packages"
  if (cd "$APT_ROOT/debs" && sid_apt apt-get -q download "${missing[@]}") \
    >>"$APT_ROOT/download.log" 2>&1; then
    return 0
  fi
  for spec in "${missing[@]}"; do
    [[ -n "$(deb_file "$spec")" ]] && continue
    (cd "$APT_ROOT/debs" && sid_apt apt-get -q download "$spec") \
      >>"$APT_ROOT/download.log" 2>&1 || {
      FAILED_PACKAGE="${spec%%=*}"
      return 1
    }
  done
}

# The cached .deb for "name=version", or nothing. apt-get download escapes the
# epoch's colon as %3a in file names.
deb_file() {
  local name="${1%%=*}" version="${1#*=}"
  compgen -G "$APT_ROOT/debs/${name}_${version//:/%3a}_*.deb" | head -n1 || true
}

# gitVersion for the server, from the apiextensions source package version:
# 0.36.1-1 (Go module version) becomes v1.36.1.
k8s_version() {
  local packages="$1" v
  v="$(sed -nE "s/^$ROOT_PACKAGE=([0-9]+:)?0\.([0-9]+)\.([0-9]+).*/1.\2.\3/p" <<<"$packages")"
  printf 'v%s\n' "${v:-1.36.0}"
}

# Build both Go programs in GOPATH mode from the unpacked sources.
go_build() {
  local root="$1" out="$2" version="$3" log_file="$4"
  local goroot gopath minor
  goroot="$(find "$root/usr/lib" -maxdepth 1 -type d -name 'go-1.*' | sort -V | tail -n1)"
  [[ -x "$goroot/bin/go" ]] || return 1

  # GOPATH's first entry holds hack's programs under a private import path.
  gopath="$CACHE_DIR/gopath"
  rm -rf "$gopath"
  mkdir -p "$gopath/src/bascule.local/hack"
  cp -r "$REPO_ROOT/hack/kube-apiserver" "$REPO_ROOT/hack/celcheck" "$gopath/src/bascule.local/hack/"

  minor="$(cut -d. -f2 <<<"$version")"
  local pkg=k8s.io/component-base/version
  local ldflags="-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean"
  mkdir -p "$out"
  (
    export GO111MODULE=off GOTOOLCHAIN=local GOFLAGS='' CGO_ENABLED=0
    export GOROOT="$goroot" GOPATH="$gopath:$root/usr/share/gocode"
    export GOCACHE="$CACHE_DIR/gocache" PATH="$goroot/bin:$PATH"
    cd "$gopath/src/bascule.local/hack" || exit 1
    timeout "$BUILD_TIMEOUT_SECONDS" go build -trimpath -ldflags "$ldflags" \
      -o "$out/kube-apiserver" ./kube-apiserver &&
      timeout "$BUILD_TIMEOUT_SECONDS" go build -trimpath -ldflags "$ldflags" \
        -o "$out/celcheck" ./celcheck
  ) >"$log_file" 2>&1
}

# Make sure $CACHE_DIR/bin/<tool>-<key> exists for both tools; print the key.
# Falls back to the last good build (with one warning line) when sid breaks.
ensure_binaries() {
  local packages key lock_fd bin="$CACHE_DIR/bin"
  mkdir -p "$bin" "$LOCAL_DIR/logs"

  # Fast path, no network: the locked versions were built on this machine.
  if [[ "${BASCULE_REFRESH:-0}" != 1 && -f "$LOCK_FILE" ]]; then
    key="$(cache_key "$(locked_packages)")"
    if [[ -x "$bin/kube-apiserver-$key" && -x "$bin/celcheck-$key" ]]; then
      printf '%s\n' "$key"
      return 0
    fi
  fi

  if ! sid_update; then
    fallback "could not refresh Debian unstable package lists, see $APT_ROOT/update.log"
    return
  fi
  if ! packages="$(resolve_packages)"; then
    fallback "could not resolve the closure of $ROOT_PACKAGE in Debian unstable"
    return
  fi

  key="$(cache_key "$packages")"
  if [[ -x "$bin/kube-apiserver-$key" && -x "$bin/celcheck-$key" ]]; then
    printf '%s\n' "$key"
    return 0
  fi

  # One build at a time per cache: clones of the repository share it.
  exec {lock_fd}>"$CACHE_DIR/build.lock"
  flock -w "$BUILD_TIMEOUT_SECONDS" "$lock_fd" || die "timed out waiting for another build ($CACHE_DIR/build.lock)"
  if [[ -x "$bin/kube-apiserver-$key" && -x "$bin/celcheck-$key" ]]; then
    printf '%s\n' "$key" # built meanwhile by the holder of the lock
    return 0
  fi

  FAILED_PACKAGE=""
  local root
  root="$CACHE_DIR/root-$(printf '%s' "$packages" | sha256sum | cut -c1-16)"
  if ! unpack_packages "$packages" "$root"; then
    fallback "Debian unstable package $FAILED_PACKAGE could not be downloaded or unpacked, see $APT_ROOT/download.log"
    return
  fi

  local build_log="$CACHE_DIR/build-$key.log" out="$CACHE_DIR/out-$key"
  log "building kube-apiserver and celcheck (cold build takes about 4 minutes; log: $build_log)"
  if ! go_build "$root" "$out" "$(k8s_version "$packages")" "$build_log"; then
    rm -rf "$out"
    fallback "build failed, see $build_log"
    return
  fi

  install -m 0755 "$out/kube-apiserver" "$bin/kube-apiserver-$key"
  install -m 0755 "$out/celcheck" "$bin/celcheck-$key"
  install -m 0755 "$out/kube-apiserver" "$bin/kube-apiserver-last-good"
  install -m 0755 "$out/celcheck" "$bin/celcheck-last-good"
  rm -rf "$out"
  write_lock "$packages"
  prune_cache "$packages" "$root"
  printf '%s\n' "$key"
}

# Drop the sources of superseded package versions (2.3 GB per unpacked root);
# built binaries stay, being small and still keyed.
prune_cache() {
  local packages="$1" keep_root="$2" deb spec keep=()
  find "$CACHE_DIR" -maxdepth 1 -type d -name 'root-*' ! -path "$keep_root" -exec rm -rf {} +
  while IFS= read -r spec; do
    keep+=("$(deb_file "$spec")")
  done <<<"$packages"
  for deb in "$APT_ROOT"/debs/*.deb; do
    [[ " ${keep[*]} " == *" $deb "* ]] || rm -f "$deb"
  done
}

# Use the last good build after one warning line, or fail with the reason.
fallback() {
  local reason="$1" bin="$CACHE_DIR/bin"
  if [[ -x "$bin/kube-apiserver-last-good" && -x "$bin/celcheck-last-good" ]]; then
    log "warning: $reason; using the last good build"
    printf 'last-good\n'
    return 0
  fi
  die "$reason"
}

locked_packages() { grep -v '^#' "$LOCK_FILE" | sed '/^$/d'; }

write_lock() {
  {
    printf '# Debian unstable packages of the last good kube-apiserver/celcheck build.\n'
    printf '# Written by hack/cluster/up.sh; name=version, one a line.\n'
    printf '%s\n' "$1"
  } >"$LOCK_FILE"
}
