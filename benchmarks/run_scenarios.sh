#!/usr/bin/env bash
# End-to-end benchmark of the three Flemingsberg scenarios: wall time (median of RUNS),
# peak resident memory and trips per second. Prints a Markdown table for RESULTS.md.
# Usage: benchmarks/run_scenarios.sh [FLEMSIM] [RUNS] [THREADS] [static]
# With "static" the scenarios run without the simulated day (simulation.enabled=false).
set -euo pipefail
cd "$(dirname "$0")/.."
flemsim=${1:-build/sim/apps/flemsim}
runs=${2:-5}
threads=${3:-0}
extra=()
[ "${4:-}" = static ] && extra=(--set simulation.enabled=false)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ -x /usr/bin/time ] || { echo "needs GNU time (Debian package 'time')" >&2; exit 1; }

echo "| scenario | persons | trips | threads | median wall (s) | min / max (s) | peak RSS (MiB) | trips/s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for scenario in flemingsberg-2017 flemingsberg-2030 flemingsberg-2050; do
    times=()
    peak=0
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$out/time" "$flemsim" run "scenarios/$scenario.yaml" --threads "$threads" \
            "${extra[@]}" --output "$out/$scenario" > "$out/stdout"
        read -r wall rss < "$out/time"
        times+=("$wall")
        [ "$rss" -gt "$peak" ] && peak=$rss
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -g)
    median=$(printf '%s\n' "$sorted" | awk -v n="$runs" 'NR == int((n + 1) / 2)')
    min=$(printf '%s\n' "$sorted" | head -n1)
    max=$(printf '%s\n' "$sorted" | tail -n1)
    header=$(head -n1 "$out/stdout")
    persons=$(echo "$header" | sed -E 's/.* ([0-9]+) persons.*/\1/')
    trips=$(echo "$header" | sed -E 's/.* ([0-9]+) trips.*/\1/')
    used=$(echo "$header" | sed -E 's/.* ([0-9]+) threads.*/\1/')
    rate=$(awk -v t="$trips" -v s="$median" 'BEGIN { printf "%.0f", t / s }')
    mib=$(awk -v k="$peak" 'BEGIN { printf "%.0f", k / 1024 }')
    echo "| $scenario | $persons | $trips | $used | $median | $min / $max | $mib | $rate |"
done
