#!/usr/bin/env bash
# Optional, for `npm run bench:kineto` only: what Meta's Holistic Trace Analysis (HTA) needs to run beside Sysight
# on this kind of machine (no PyPI): its Python dependencies from Debian (pandas, numpy, plotly, networkx, pydot,
# for /usr/bin/python3), and a source tree of HTA that you provide (a clone or an unpacked archive of
# github.com/facebookresearch/HolisticTraceAnalysis) in HTA_SRC. Checks that `from hta.trace_analysis import
# TraceAnalysis` works and prints the line to run the side-by-side. Safe to run again. Not root: says what is missing.
set -euo pipefail
PY=/usr/bin/python3
need=()
for m in pandas:python3-pandas numpy:python3-numpy plotly:python3-plotly networkx:python3-networkx pydot:python3-pydot; do
  "$PY" -c "import ${m%%:*}" >/dev/null 2>&1 || need+=("${m#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-hta: installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "setup-hta: missing Debian packages: ${need[*]} (run as root: apt-get install -y ${need[*]})" >&2
    exit 1
  fi
fi
if [ -z "${HTA_SRC:-}" ] || [ ! -f "${HTA_SRC}/hta/trace_analysis.py" ]; then
  echo "setup-hta: set HTA_SRC to a source tree of HolisticTraceAnalysis (the folder holding hta/trace_analysis.py)" >&2
  exit 1
fi
PYTHONPATH="$HTA_SRC" "$PY" -c 'from hta.trace_analysis import TraceAnalysis' \
  || { echo "setup-hta: HTA at $HTA_SRC does not import with $PY (see the error above)" >&2; exit 1; }
echo "setup-hta: HTA at $HTA_SRC imports with $PY; run: HTA_SRC=$HTA_SRC npm run bench:kineto -- --sizes none"
