#!/usr/bin/env bash
# The ladder over places of docs/results.md ("Several servers, a cloud and energy"): HEFT, HEFT-rollout,
# rollout², Optimal (10 s per DAG) and the shipped policy over places (zero-shot), per preset with its own
# objective and three-servers-cloud under QoE too, on the reference sets 8, 12 and 24 (n = 20), paper
# profile; and three servers whose links replay traces (plans on the model, 10 realisations per DAG). Writes docs/results/systems/ladder-<row>-<set>.json (every plan). Usage:
# scripts/systems-ladder.sh [ROW...] (default: every row). OUT overrides the output folder.
set -euo pipefail
cd "$(dirname "$0")/.."
R=${REFERENCE:-../shared/data/reference/meta_offloading_20}
OUT=${OUT:-docs/results/systems}
mkdir -p "$OUT"
declare -A ROWS=(
  [paper-latency]="--system paper --objective latency"
  [three-servers-cloud-latency]="--system three-servers-cloud --objective latency"
  [three-servers-cloud-qoe]="--system three-servers-cloud --objective qoe"
  [energy-qoe]="--system energy"
  [three-servers-traces-latency]="--system systems/three-servers-traces.json --episodes 10"
)
rows=("$@")
[ ${#rows[@]} -eq 0 ] && rows=(paper-latency three-servers-cloud-latency three-servers-cloud-qoe energy-qoe three-servers-traces-latency)
for row in "${rows[@]}"; do
  [ -n "${ROWS[$row]:-}" ] || { echo "unknown row $row (known: ${!ROWS[*]})" >&2; exit 2; }
  for set in 8 12 24; do
    # shellcheck disable=SC2086
    node bin/mrlco.js baselines "$R/offload_random20_$set" ${ROWS[$row]} \
      --schedulers local,heft,heft-rollout,heft-rollout:2,optimal,policy --time-limit 10 --json \
      > "$OUT/ladder-$row-$set.json.tmp"
    mv "$OUT/ladder-$row-$set.json.tmp" "$OUT/ladder-$row-$set.json"
    echo "$row set $set done" >&2
  done
done
