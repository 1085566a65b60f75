#!/usr/bin/env bash
# Installs the Debian packages ef21sim needs to build, test and plot (DESIGN §2).
# Idempotent and non-interactive; runs as root or through sudo.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libeigen3-dev libfmt-dev libboost-graph-dev libboost-program-options-dev
  libtomlplusplus-dev catch2
  libboost-iostreams-dev     # gzip, bzip2 and xz datasets read directly (zlib, libbz2, liblzma)
  nlohmann-json3-dev         # sweep and tune tables read each run's summary.json
  libboost-mpi-dev openmpi-bin libopenmpi-dev   # sweeps and tunes under mpirun (optional in CMake)
  gzip bzip2 xz-utils        # the compressed-input tests make their copies with these
  libsimgrid-dev             # reference peer for the network model (tests)
  python3 python3-numpy      # the independent float64 oracle of DESIGN §7 (tests)
  python3-matplotlib         # tools/plot
  liblinear-tools            # ships the small heart_scale LIBSVM dataset used by the demo
  clang libclang-rt-dev llvm # sanitizer build and libFuzzer targets (tools/sanitize.sh, tests/fuzz)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
