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

if ! { $SUDO apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-openstackclient; }; then
    echo "error: apt-get could not install python3-openstackclient (the OpenStack client the fidelity tests drive)" >&2
    exit 1
fi
command -v openstack >/dev/null
