#!/usr/bin/env bash
# A region-sized run on the synthetic street grid: SIDE x SIDE crossings (make_grid_osm.py, about
# 100 m blocks), imported with `flemsim network build` (zones on a 1 km grid) and given a scenario
# by `flemsim scenario init` (its default land use: 10 residents, 5 jobs and 5 visits per street
# node, so SIDE 316 holds about 1,000,000 residents at scale 1). For each thread count it runs the
# population at SCALE (road capacities scaled alike) twice: the static level of service, and one
# simulated day (mobsim, the day's gap and replanning as measured on a last day, outputs). It
# prints the phases of each run, the wall time, the peak memory, and the memory per person beyond
# a network-only baseline (the same run at scale 0.001, static; for the day also beyond a one-day
# run at scale 0.001), as Markdown for RESULTS.md. Each run's user and system CPU time stand beside
# its wall time: on a shared or virtual machine, whose speed varies from one spell to the next,
# they tell a slow spell (more CPU time for the same work, or wall time near the CPU time on two
# threads) from a slower build.
# The day's run has the static phases too: KINDS=day skips the static run. LOG=FILE keeps every
# run's own report (the loop's steps among them) in FILE.
# Usage: [KINDS="static day"] benchmarks/run_region.sh [FLEMSIM] [SIDE] [SCALE] [THREADS...]
# e.g.   benchmarks/run_region.sh build/sim/apps/flemsim 316 0.1 1 2
set -euo pipefail
cd "$(dirname "$0")/.."
flemsim=$(realpath "${1:-build/sim/apps/flemsim}")
side=${2:-316}
scale=${3:-1}
shift $(($# < 3 ? $# : 3))
threads=("$@")
[ ${#threads[@]} -gt 0 ] || threads=(2)
[ -x /usr/bin/time ] || { echo "needs GNU time (Debian package 'time')" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 benchmarks/make_grid_osm.py "$side" "$work/grid.osm"
/usr/bin/time -f "%e %M" -o "$work/time" "$flemsim" network build --osm "$work/grid.osm" --grid-m 1000 \
    --output "$work/net" > "$work/build.txt"
read -r build_wall build_rss < "$work/time"
"$flemsim" scenario init --network "$work/net" --output "$work/grid.yaml" > /dev/null
nodes=$(($(wc -l < "$work/net/nodes.csv") - 1))
links=$(($(wc -l < "$work/net/links.csv") - 1))
zones=$(($(wc -l < "$work/net/zones.csv") - 1))
echo "Grid $side x $side: $nodes nodes, $links links, $zones zones; imported in $build_wall s (peak $((build_rss / 1024)) MiB)."
echo

run() {  # run NAME SCALE THREADS [--set ...]: prints "wall rss persons trips user sys", keeps the output
    local name=$1 s=$2 t=$3
    shift 3
    /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$flemsim" run "$work/grid.yaml" --output "$work/$name" \
        --threads "$t" --set population.scale="$s" --set simulation.capacity_factor="$s" "$@" > "$work/$name.txt"
    local wall rss persons trips user sys
    read -r wall rss user sys < "$work/time"
    persons=$(head -n1 "$work/$name.txt" | sed -E 's/.* ([0-9]+) persons.*/\1/')
    trips=$(head -n1 "$work/$name.txt" | sed -E 's/.* ([0-9]+) trips.*/\1/')
    echo "$wall $rss $persons $trips $user $sys"
}

read -r _ base_rss _ _ < <(run baseline 0.001 "${threads[0]}" --set simulation.enabled=false)
echo "Network-only baseline (scale 0.001, static): peak $((base_rss / 1024)) MiB."
# A day holds tables per link and hour and an hour's car metric, whatever the population: a day's
# memory per person is counted beyond a one-day run at the same small scale.
day_rss=$base_rss
if [[ " ${KINDS:-static day} " == *" day "* ]]; then
    read -r _ day_rss _ _ < <(run baseline-day 0.001 "${threads[0]}" --set iterations.max=1 --set iterations.min=1)
    echo "One-day baseline (scale 0.001): peak $((day_rss / 1024)) MiB."
fi
echo
echo "| run | threads | persons | trips | wall (s) | CPU, user + system (s) | peak RSS (MiB) | beyond the static baseline, per person | beyond the baseline of its kind, per person |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
phases=()
for t in "${threads[@]}"; do
    for kind in ${KINDS:-static day}; do
        extra=(--set simulation.enabled=false)
        [ "$kind" = day ] && extra=(--set iterations.max=1 --set iterations.min=1)
        read -r wall rss persons trips user sys < <(run "$kind-$t" "$scale" "$t" "${extra[@]}")
        own=$base_rss
        [ "$kind" = day ] && own=$day_rss
        echo "| $kind | $t | $persons | $trips | $wall | $user + $sys | $((rss / 1024)) | $(((rss - base_rss) * 1024 / persons)) bytes | $(((rss - own) * 1024 / persons)) bytes |"
        phases+=("$kind, threads $t: $(grep '^time:' "$work/$kind-$t.txt" | sed 's/^time: //')")
        day=$(grep '^wall time per day' "$work/$kind-$t.txt" | sed 's/.*: //' || true)
        [ -n "$day" ] && phases+=("$kind, threads $t: the simulated day $day s")
    done
done
echo
printf -- '- %s\n' "${phases[@]}"
if [ -n "${LOG:-}" ]; then tail -n +1 "$work"/*.txt > "$LOG"; fi
