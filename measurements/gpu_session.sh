#!/usr/bin/env bash
# One short session on a GPU machine: check that training and search run on CUDA (smoke runs
# on NB201 and NB301, timed), then run the NB301 bench's latent methods on the GPU, many jobs
# side by side, until LIMIT seconds have passed. Rows are written as jobs finish, so a bench
# stopped by the limit keeps what it finished and `crlso bench` resumes it later.
# Measured on one H200: 20 workers time-sliced the GPU (99 % busy, no job done in 505 s,
# where one job alone takes about 100 s); give one GPU one or two workers.
#
#   measurements/gpu_session.sh OUT [LIMIT_S] [WORKERS]
# Environment: PYTHON (default python3), DEVICE (default cuda), PRESET (default demo),
# SEEDS (default 0-9), METHODS (default the NB301 ablation, then crlso50), SMOKE (default 1;
# 0 skips the smoke runs, for a second session on a machine already checked), SPACE (default
# nb301) and BUDGETS (default 100,200,300; NB101's bench: 100,300,500,900). Its results.csv rows
# append to a bench folder here (same columns); the bench there skips what that folder holds.
set -u
OUT=${1:?usage: gpu_session.sh OUT [LIMIT_S] [WORKERS]}
LIMIT=${2:-480}
WORKERS=${3:-2}
PY=${PYTHON:-python3}
DEVICE=${DEVICE:-cuda}
PRESET=${PRESET:-demo}
SEEDS=${SEEDS:-0-9}
METHODS=${METHODS:-crlso,lso,crls-mlp,ls-icnn,crlso50}
SMOKE=${SMOKE:-1}
SPACE=${SPACE:-nb301}
BUDGETS=${BUDGETS:-100,200,300}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"
RUNS=$(mktemp -d)
crlso() { "$PY" -m crlso_core.cli "$@"; }

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi"
"$PY" -c "import sys, torch, torch_geometric, onnxruntime; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'pyg', torch_geometric.__version__, 'onnxruntime', onnxruntime.__version__)"
nproc

[ "$SMOKE" = 0 ] || for space in nb201 nb301; do
    t0=$EPOCHREALTIME
    crlso run --space "$space" --preset smoke --device "$DEVICE" --runs-dir "$RUNS" --quiet >"$OUT/smoke-$space.txt" 2>&1
    rc=$?
    echo "smoke $space on $DEVICE: rc $rc, $(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $t0}") s"
    tail -n 12 "$OUT/smoke-$space.txt"
    [ $rc -eq 0 ] || exit $rc
done

if command -v nvidia-smi >/dev/null; then
    nvidia-smi dmon -s u -d 15 >"$OUT/gpu-use.txt" 2>&1 &
fi
t0=$(date +%s)
timeout -k 15 "$LIMIT" "$PY" -m crlso_core.cli bench --space "$SPACE" --datasets cifar10 --methods "$METHODS" \
    --seeds "$SEEDS" --budgets "$BUDGETS" --preset "$PRESET" --workers "$WORKERS" --device "$DEVICE" \
    --out "$OUT/bench" --quiet
echo "bench: rc $?, $(( $(date +%s) - t0 )) s"
"$PY" - "$OUT/bench/results.csv" <<'EOF'
import csv, statistics, sys
from collections import defaultdict
try:
    rows = list(csv.DictReader(open(sys.argv[1])))
except FileNotFoundError:
    sys.exit("no rows")
acc, wall = defaultdict(list), defaultdict(list)
for r in rows:
    acc[r["method"], int(r["budget"])].append(float(r["best_valid_acc"]))
    wall[r["method"]].append(float(r["wall_s"]))
for (m, b), v in sorted(acc.items()):
    print(f"{m:9s} {b:4d}: {len(v)} seeds, mean {statistics.mean(v):.3f}; median wall {statistics.median(wall[m]):.0f} s")
EOF
