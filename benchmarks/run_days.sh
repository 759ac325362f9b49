#!/usr/bin/env bash
# Simulated days of the 2050 scenario: wall time per day (simulation and replanning), peak
# memory, agents per second, and how the cost grows with the population (x1 and x10, the
# latter with road and transit capacities scaled alike). Prints Markdown for RESULTS.md.
# Usage: benchmarks/run_days.sh [FLEMSIM] [DAYS_X1] [DAYS_X10]
set -euo pipefail
cd "$(dirname "$0")/.."
flemsim=${1:-build/sim/apps/flemsim}
days1=${2:-8}
days10=${3:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() {  # run NAME SCALE DAYS
    local name=$1 scale=$2 days=$3
    /usr/bin/time -f "%e %M" -o "$out/time" "$flemsim" run scenarios/flemingsberg-2050.yaml --output "$out/$name" \
        --set population.scale="$scale" --set simulation.capacity_factor="$scale" \
        --set simulation.transit_capacity_factor="$scale" \
        --set iterations.max="$days" --set iterations.min="$days" > "$out/$name.txt"
    read -r wall rss < "$out/time"
    local persons trips per_day
    persons=$(head -n1 "$out/$name.txt" | sed -E 's/.* ([0-9]+) persons.*/\1/')
    trips=$(head -n1 "$out/$name.txt" | sed -E 's/.* ([0-9]+) trips.*/\1/')
    per_day=$(grep '^wall time per day' "$out/$name.txt" | sed 's/.*://')
    echo "$name $scale $persons $trips $wall $rss $per_day"
}

base=$(run base 0.01 2)
x1=$(run x1 1 "$days1")
x10=$(run x10 10 "$days10")
base_rss=$(echo "$base" | awk '{print $6}')
echo "| run | persons | trips | days | wall (s) | median day (s) | persons x days / s | peak RSS (MiB) | beyond the network, per person |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for line in "$x1" "$x10"; do
    echo "$line" | awk -v base="$base_rss" '{
        n = NF - 6; for (i = 7; i <= NF; i++) d[i - 6] = $i
        # median of the day times
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (d[j] < d[i]) { t = d[i]; d[i] = d[j]; d[j] = t }
        med = (n % 2) ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2
        printf "| 2050 x%s | %d | %d | %d | %.1f | %.2f | %.0f | %.0f | %.0f bytes |\n", $2, $3, $4, n, $5, med, $3 / med, $6 / 1024, ($6 - base) * 1024 / $3
    }'
done
echo
echo "Network-only baseline (population.scale=0.01, 2 days): $(awk -v k="$base_rss" 'BEGIN{printf "%.0f", k/1024}') MiB peak RSS."
echo "Day times x1: $(echo "$x1" | cut -d' ' -f7-)"
echo "Day times x10: $(echo "$x10" | cut -d' ' -f7-)"
