#!/usr/bin/env bash
# The GPU figures of one session on a GPU machine, in one prepared script (tested on CPU with
# DEVICE=cpu PRESET=smoke first):
#   1. the training step's utilisation against that GPU's fp32 matmul peak (speed.py);
#   2. the paper preset end to end on CUDA with its stage times (crlso run);
#   3. same seed, same device, same numbers: one smoke run twice, summaries compared;
#   4. the bench of one method on a few seeds until LIMIT seconds have passed.
#
#   measurements/gpu_check.sh OUT [LIMIT_S]
# Environment: PYTHON (python3), DEVICE (cuda), PRESET (paper), METHOD (crlso), SEEDS (0-3).
set -u
OUT=${1:?usage: gpu_check.sh OUT [LIMIT_S]}
LIMIT=${2:-240}
PY=${PYTHON:-python3}
DEVICE=${DEVICE:-cuda}
PRESET=${PRESET:-paper}
METHOD=${METHOD:-crlso}
SEEDS=${SEEDS:-0-3}
export PYTHONUNBUFFERED=1
mkdir -p "$OUT"
RUNS=$(mktemp -d)
crlso() { "$PY" -m crlso_core.cli "$@"; }
secs() { awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $1}"; }

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi"
"$PY" -c "import sys, torch; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.cuda.is_available())"

echo "== 1. utilisation on $DEVICE"
"$PY" -m measurements.speed --only utilisation --device "$DEVICE" --repeats 5 --out "$OUT/speed.json" || exit 1

echo "== 2. $PRESET preset end to end on $DEVICE"
t0=$EPOCHREALTIME
crlso run --space nb201 --preset "$PRESET" --seed 0 --device "$DEVICE" --out "$RUNS/paper" --quiet >"$OUT/paper.txt" 2>&1
echo "rc $?, $(secs "$t0") s"
"$PY" -c "import json,sys; s=json.load(open(sys.argv[1])); print(json.dumps({k: s.get(k) for k in ('wall_s','best_valid_acc','recon_acc','device','queries_used')}))" "$RUNS/paper/summary.json"

echo "== 3. same seed, same device, same numbers"
for i in 1 2; do crlso run --space nb201 --preset smoke --seed 7 --device "$DEVICE" --out "$RUNS/same$i" --quiet >/dev/null 2>&1; done
"$PY" - "$RUNS/same1/summary.json" "$RUNS/same2/summary.json" <<'PYEOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
keys = ("best_arch", "best_valid_acc", "recon_acc", "queries_to_best")
print("identical" if all(a[k] == b[k] for k in keys) else "DIFFERENT", {k: (a[k], b[k]) for k in keys})
PYEOF

echo "== 4. bench: $METHOD, seeds $SEEDS, until $LIMIT s"
t0=$EPOCHREALTIME
timeout -k 15 "$LIMIT" "$PY" -m crlso_core.cli bench --space nb201 --datasets cifar10 --methods "$METHOD" --seeds "$SEEDS" \
    --budgets 300,400,500 --preset demo --workers 2 --device "$DEVICE" --out "$OUT/bench" --quiet >/dev/null 2>&1
echo "bench rc $?, $(secs "$t0") s"
"$PY" - "$OUT/bench/results.csv" <<'PYEOF'
import csv, statistics, sys
try:
    rows = list(csv.DictReader(open(sys.argv[1])))
except FileNotFoundError:
    sys.exit("no rows")
for b in sorted({int(r["budget"]) for r in rows}):
    v = [float(r["best_valid_acc"]) for r in rows if int(r["budget"]) == b]
    print(f"budget {b}: {len(v)} seeds, mean {statistics.mean(v):.2f}")
print("median job wall", statistics.median(float(r["wall_s"]) for r in rows), "s")
PYEOF
