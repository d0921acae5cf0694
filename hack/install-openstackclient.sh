#!/usr/bin/env bash
# Installs the real OpenStack command-line client from Debian, which the simulator's fidelity test drives.
# Idempotent: does nothing when `openstack` is already on the PATH.
set -euo pipefail

if command -v openstack >/dev/null 2>&1; then
    exit 0
fi

SUDO=''
if [[ $(id -u) -ne 0 ]]; then
    SUDO='sudo'
fi

$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends python3-openstackclient
command -v openstack >/dev/null
