#!/usr/bin/env bash
# Installs, from Debian, the programs the tests drive besides Node.js: the real OpenStack
# command-line client (the simulator's fidelity tests) and Lua 5.1 (the Argo CD health checks in
# config/argocd/, which Argo CD runs on a Lua 5.1 interpreter). Idempotent: installs only what is missing.
set -euo pipefail

declare -A PACKAGES=([openstack]=python3-openstackclient [lua5.1]=lua5.1)

missing=()
for command in "${!PACKAGES[@]}"; do
    command -v "$command" >/dev/null 2>&1 || missing+=("${PACKAGES[$command]}")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

SUDO=''
if [[ $(id -u) -ne 0 ]]; then
    SUDO='sudo'
fi

echo "installing Debian packages: ${missing[*]}"
if ! { $SUDO apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; }; then
    echo "error: apt-get could not install ${missing[*]} (programs the tests drive)" >&2
    exit 1
fi
for command in "${!PACKAGES[@]}"; do
    command -v "$command" >/dev/null
done
