#!/usr/bin/env bash
# Installs the Debian packages dlscale needs when they are missing (OpenMPI, OpenBLAS, libsvm,
# pkg-config, iproute2, and python3-torch for `dlscale train --engine pytorch`). Extra package
# names may be given as arguments. Uses sudo when not root.
set -euo pipefail

packages=(libopenmpi-dev openmpi-bin libopenblas-dev libsvm-dev pkg-config iproute2 python3-torch "$@")
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "dlscale: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "dlscale: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
