#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, -fsanitize=fuzzer,address,undefined) in
# their own build folder and runs each for a set time from a seed corpus of the tests' own
# files. Usage: tests/fuzz/run_fuzz.sh [SECONDS per target, default 30] [target ...]
# FUZZ_SEED=N fixes libFuzzer's seed (CI: the same mutations every run; 0, the default, draws
# one). Exits 0 when no target found anything; a finding leaves its input in
# BUILD_DIR/fuzz-findings/<target>/ (turn it into a case of tests/bad_inputs, then fix it).
# Without clang or the libFuzzer runtime it says so and exits 0: CI runs it where clang is.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
shift || true
build=${FUZZ_BUILD_DIR:-build-fuzz-clang}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_scenario fuzz_network_csv fuzz_patch fuzz_osm fuzz_gtfs
                                     fuzz_route_queries fuzz_sweep fuzz_trip_log fuzz_counts)

if ! command -v clang++ >/dev/null 2>&1; then
    echo "fuzz: skipped, no clang++ (Debian: apt-get install clang libclang-rt-14-dev)"
    exit 0
fi
if ! clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a | grep -q /; then
    echo "fuzz: skipped, no libFuzzer runtime (Debian: apt-get install libclang-rt-14-dev)"
    exit 0
fi

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DFLEMSIM_FUZZ=ON >/dev/null
cmake --build "$build" --target "${targets[@]}"

# Seeds: the tests' own files of each kind (libFuzzer reads every file of a seed folder).
seeds="$build/fuzz-seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{fuzz_scenario,fuzz_network_csv,fuzz_patch,fuzz_osm,fuzz_gtfs,fuzz_route_queries,fuzz_sweep,fuzz_trip_log,fuzz_counts}
cp tests/data/tiny.yaml scenarios/*.yaml scenarios/options/*.yaml "$seeds/fuzz_scenario/"
i=0
for t in network.yaml nodes.csv links.csv zones.csv stops.csv vehicles.csv lines.csv line_stops.csv headways.csv; do
    # The first byte picks the table (see fuzz_network_csv.cpp).
    { printf "\\$(printf '%03o' "$i")"; cat "tests/data/tiny/$t"; } > "$seeds/fuzz_network_csv/$t"
    i=$((i + 1))
done
# Findings of an earlier CI run (an alias inside the node its anchor names; nesting thousands
# deep, written out or through aliases of aliases) are bad-input cases: their files are seeds too,
# so that they stay fixed.
yaml_findings=(tests/bad_inputs/cases/gen/scenario/{alias-cycle-map,alias-cycle-seq,alias-chain-deep,nested-flow-5000,nested-block-100})
for c in "${yaml_findings[@]}"; do cp "$c/files/s.yaml" "$seeds/fuzz_scenario/$(basename "$c").yaml"; done
patch_seed() {  # patch_seed FILE NAME: FILE's network_patch section alone, unindented, as seed NAME
    sed -n '/^network_patch:/,/^[a-z_]*:/p' "$1" | sed '1d;/^[a-z_]*:/d;s/^  //' > "$seeds/fuzz_patch/$2"
}
for f in scenarios/options/*.yaml; do patch_seed "$f" "$(basename "$f")"; done
patch_seed tests/bad_inputs/cases/gen/patch/add-node-alias-cycle/files/s.yaml add-node-alias-cycle.yaml
cp tests/data/osm/*.osm "$seeds/fuzz_osm/"
i=0
for t in agency stops routes trips stop_times calendar calendar_dates frequencies transfers; do
    for feed in tests/data/gtfs/*/; do
        [ -f "$feed$t.txt" ] || continue
        { printf "\\$(printf '%03o' "$i")"; cat "$feed$t.txt"; } > "$seeds/fuzz_gtfs/$t-$(basename "$feed").txt"
    done
    i=$((i + 1))
done
printf 'id,from_lat,from_lon,to_lat,to_lon,mode,departure\nq1,59.2180,17.9457,59.2180,17.9560,walk,08:00:00\nq2,59.2,17.9,59.3,18.0,transit,07:30:00\n' \
    > "$seeds/fuzz_route_queries/queries.csv"
printf 'name: s\nscenarios: [tiny.yaml]\nset: {population.scale: 0.5}\ngrid:\n  modes.transit.fare_sek: [20, 40]\nlist: [{seed: 1}]\nseeds: 2\nmaster_seed: 7\noutput: out\n' \
    > "$seeds/fuzz_sweep/sweep.yaml"
cp scenarios/counts/*.csv "$seeds/fuzz_counts/"
printf 'kind,id,hour,count,direction\nlink,l0,8,100,forward\nboardings,s0,day,20,\npassengers,s0+s0,7,3,\n' \
    > "$seeds/fuzz_counts/counts.csv"
printf '<counts name="x">\n<count loc_id="l0"><volume h="9" val="100"/></count>\n</counts>\n' > "$seeds/fuzz_counts/v1.xml"
printf '<counts><measurementLocation refId="l1"><measurable type="volumes" interval="3600"><value t="3600" val="5"/></measurable></measurementLocation></counts>\n' \
    > "$seeds/fuzz_counts/v2.xml"
# A finding of an earlier run (an interval and a t beyond int), kept as a seed so it stays fixed.
printf '<counts><measurementLocation refId="l2"><measurable tqpe="volumes" interval="36006666666666666666"><value t="3600" val="5"/></measurable></measurementLocation></counts>\n' \
    > "$seeds/fuzz_counts/huge-interval.xml"
for h5 in tests/bad_inputs/cases/*/trip_log/*/files/*.h5; do
    # Known failures are left out, and so are the files on which libhdf5 loops (fuzz-hang-*):
    # flemsim's watchdog ends such a read, and the process with it, which libFuzzer counts as a
    # finding; as seeds they would stop every run.
    case_dir=$(dirname "$(dirname "$h5")")
    grep -q '^expected_fail:' "$case_dir/case.txt" && continue
    case "$case_dir" in *fuzz-hang-*) continue ;; esac
    cp "$h5" "$seeds/fuzz_trip_log/$(basename "$case_dir").h5"
done
[ -n "$(ls -A "$seeds/fuzz_trip_log")" ] || printf '\211HDF\r\n\032\n' > "$seeds/fuzz_trip_log/magic.h5"

failed=()
for t in "${targets[@]}"; do
    corpus="$build/fuzz-corpus/$t"
    findings="$build/fuzz-findings/$t"
    mkdir -p "$corpus" "$findings"
    echo "fuzz: $t for ${seconds} s"
    if ! ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
        "$build/tests/fuzz/$t" -max_total_time="$seconds" -seed="${FUZZ_SEED:-0}" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
        -artifact_prefix="$findings/" -print_final_stats=0 "$corpus" "$seeds/$t" >"$build/fuzz-$t.log" 2>&1; then
        failed+=("$t")
        echo "fuzz: $t FOUND a problem: $(ls "$findings" | head -3) (log $build/fuzz-$t.log)"
        tail -30 "$build/fuzz-$t.log"
    else
        grep -E "^Done [0-9]+ runs" "$build/fuzz-$t.log" | tail -1 || true
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: findings in ${failed[*]}"
    exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each, nothing found"
