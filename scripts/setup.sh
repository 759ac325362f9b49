#!/usr/bin/env bash
# Installs the Debian packages flemsim needs to build, test and run, and nothing
# when they are all present. Called by `make run` and `make test`.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libboost-graph-dev libtbb-dev libhdf5-dev libyaml-cpp-dev
  doctest-dev libcli11-dev libfmt-dev libeigen3-dev
  libosmium2-dev libprotozero-dev libexpat1-dev zlib1g-dev libdeflate-dev libbz2-dev libzip-dev
  libopenmpi-dev openmpi-bin
  libgdal-dev gdal-bin libproj-dev
  python3 python3-h5py python3-pandas python3-numpy python3-matplotlib time
  chromium
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "flemsim setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "flemsim setup: not root and no sudo; please install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
