#!/usr/bin/env bash
# Installs everything Sysight, its demo and its tests need on a fresh Debian machine:
# Debian packages (git, python3-torch for the demo workload, chromium for browser tests, slurm-wlm and munge for
# the scale-out tests) and npm packages.
# Safe to run again: it installs only what is missing. Not root: it says what is missing instead.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v git >/dev/null 2>&1 || need_apt+=(git)
PY="${SYSIGHT_PYTHON:-/usr/bin/python3}"
if ! "$PY" -c 'import torch' >/dev/null 2>&1; then need_apt+=(python3-torch); fi
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# Debian's python3-torch multiplies matrices with whatever libblas.so.3 is installed; with the reference BLAS
# (the default) the demo's matrix products are ~10x slower and its timings would be nothing but matmul.
if command -v dpkg-query >/dev/null 2>&1 \
   && ! dpkg-query -W -f='${Status}\n' 'libopenblas0*' 2>/dev/null | grep -q 'install ok installed'; then
  need_apt+=(libopenblas0-openmp)
fi
# code-server (editor tests) builds native modules: a C++ toolchain, and libkrb5-dev for one of them
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v make >/dev/null 2>&1 || need_apt+=(make)
# a real single-node Slurm for the scale-out tests and benchmark (sysight ranks submit --scheduler slurm)
{ command -v sbatch >/dev/null 2>&1 && [ -x /usr/sbin/slurmctld ]; } || need_apt+=(slurm-wlm)
[ -x /usr/sbin/munged ] || need_apt+=(munge)

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${need_apt[*]} (run as root: apt-get install -y ${need_apt[*]})" >&2
  fi
fi

if "$PY" -c 'import torch' >/dev/null 2>&1; then
  echo "setup: PyTorch $("$PY" -c 'import torch; print(torch.__version__)') at $PY"
else
  echo "setup: no PyTorch for $PY: the demo workload cannot run (set SYSIGHT_PYTHON to an interpreter that has torch)" >&2
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent

# A real VS Code (code-server + Node 24, from the npm registry) for the editor tests; cached.
bash scripts/setup-editor.sh
