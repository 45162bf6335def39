#!/usr/bin/env bash
# The anchor table of docs/results.md ("The world"): one `mrlco baselines` command per row, on the
# reference sets 8, 12 and 24 (300 DAGs, n = 20) with 10 realisations each, reference profile, seed 1.
# Writes docs/results/world/<row>.json. Usage: scripts/world-anchors.sh [ROW...] (default: every row).
# DECIDERS, EPISODES and OUT override the deciders, the realisations per DAG and the output folder (the
# shipped online policy's zero-shot check: DECIDERS=local,online,policy EPISODES=3 OUT=docs/results/world-policy).
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TRACES:-../shared/data/traces/mahimahi}
R=${REFERENCE:-../shared/data/reference/meta_offloading_20}
SETS=$R/offload_random20_8,$R/offload_random20_12,$R/offload_random20_24
OUT=${OUT:-docs/results/world}
EPISODES=${EPISODES:-10}
DECIDERS=${DECIDERS:-clairvoyant,local,heft,heft-rollout,heft-rollout:2,identified:heft-rollout,online,online:last,online:live,online:ewma:1.25,online:last:1.25,online:live:1.25,replan,replan:live,true-state}
mkdir -p "$OUT"
declare -A ROWS=(
  [att-lte-7]="--uplink-trace $T/ATT-LTE-driving.up --downlink-trace $T/ATT-LTE-driving.down --trace-mean 7"
  [att-lte-2016-7]="--uplink-trace $T/ATT-LTE-driving-2016.up --downlink-trace $T/ATT-LTE-driving-2016.down --trace-mean 7"
  [tmobile-umts-7]="--uplink-trace $T/TMobile-UMTS-driving.up --downlink-trace $T/TMobile-UMTS-driving.down --trace-mean 7"
  [verizon-evdo-7]="--uplink-trace $T/Verizon-EVDO-driving.up --downlink-trace $T/Verizon-EVDO-driving.down --trace-mean 7"
  [verizon-lte-7]="--uplink-trace $T/Verizon-LTE-short.up --downlink-trace $T/Verizon-LTE-short.down --trace-mean 7"
  [tmobile-lte-7]="--uplink-trace $T/TMobile-LTE-short.up --downlink-trace $T/TMobile-LTE-short.down --trace-mean 7"
  [tmobile-lte-driving-7]="--downlink-trace $T/TMobile-LTE-driving.down --trace-mean 7"
  [att-lte]="--uplink-trace $T/ATT-LTE-driving.up --downlink-trace $T/ATT-LTE-driving.down"
  [att-lte-2016]="--uplink-trace $T/ATT-LTE-driving-2016.up --downlink-trace $T/ATT-LTE-driving-2016.down"
  [tmobile-umts]="--uplink-trace $T/TMobile-UMTS-driving.up --downlink-trace $T/TMobile-UMTS-driving.down"
  [verizon-evdo]="--uplink-trace $T/Verizon-EVDO-driving.up --downlink-trace $T/Verizon-EVDO-driving.down"
  [verizon-lte]="--uplink-trace $T/Verizon-LTE-short.up --downlink-trace $T/Verizon-LTE-short.down"
  [tmobile-lte]="--uplink-trace $T/TMobile-LTE-short.up --downlink-trace $T/TMobile-LTE-short.down"
  [tmobile-lte-driving]="--downlink-trace $T/TMobile-LTE-driving.down"
  [markov]="--world markov"
  [markov-slow]="--world markov-slow"
  [latency-20]="--transfer-latency 20"
  [latency-50]="--transfer-latency 50"
  [shared-server]="--world worlds/shared-server.json"
  [noisy-costs]="--world worlds/noisy-costs.json"
)
ORDER=(att-lte-7 tmobile-umts-7 verizon-evdo-7 verizon-lte-7 tmobile-lte-7 att-lte-2016-7 tmobile-lte-driving-7
  tmobile-lte markov markov-slow latency-20 latency-50 shared-server noisy-costs
  att-lte att-lte-2016 tmobile-umts verizon-evdo verizon-lte tmobile-lte-driving)
rows=("$@")
[ ${#rows[@]} -eq 0 ] && rows=("${ORDER[@]}")
for row in "${rows[@]}"; do
  extra=""
  case "$row" in markov*) [ -z "${NO_LAW:-}" ] && extra=",law" ;; esac
  # shellcheck disable=SC2086
  node bin/mrlco.js baselines "$SETS" --profile reference --rate 7 --episodes $EPISODES --seed 1 \
    --schedulers "$DECIDERS$extra" ${ROWS[$row]} --json > "$OUT/$row.json.tmp"
  mv "$OUT/$row.json.tmp" "$OUT/$row.json"
  echo "$row done"
done
