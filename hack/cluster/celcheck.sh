#!/usr/bin/env bash
# Check that every CEL rule in the CRDs compiles, within the cost limits, on
# the oldest Kubernetes Bascule supports (1.30), although the local API server
# is newer. See hack/celcheck/main.go.
#
# Usage: hack/cluster/celcheck.sh [crd.yaml...]   (default: crds/*.yaml)
# Environment: BASCULE_KUBE_VERSION (default 1.30), and those of lib.sh.
set -euo pipefail

# shellcheck source=hack/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  local key files=("$@")
  if ((${#files[@]} == 0)); then
    # Relative names keep the report short.
    cd "$REPO_ROOT"
    shopt -s nullglob
    files=(crds/*.yaml)
    ((${#files[@]} > 0)) || die "no CRD files in $REPO_ROOT/crds"
  fi
  key="$(ensure_binaries)"
  "$CACHE_DIR/bin/celcheck-$key" -kube-version "${BASCULE_KUBE_VERSION:-1.30}" "${files[@]}"
}

main "$@"
