#!/usr/bin/env bash
# flemsim target: one lever whose effect is monotone finds the threshold that independent runs
# give; levers of every kind (a key, keys moved together, headways, an option package) make the
# point files they say; bad search files are errors at their position; nothing reaches: exit 3
# with --require-target. Usage: test_target.sh FLEMSIM TEST_DATA_DIR PYTHON
set -u
flemsim=$1
data=$(cd "$2" && pwd)
python=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passes=0
check() {  # check NAME CONDITION-COMMAND...
    local name=$1
    shift
    if "$@"; then passes=$((passes + 1)); else echo "FAIL $name"; failures=$((failures + 1)); fi
}
share() {  # share MODAL_SPLIT_JSON: the sustainable share
    "$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sustainable_share"])' "$1"
}

# 1. The threshold of one monotone lever, against independent runs on the same seed.
values=(20 40 80 160)
declare -a shares
"$flemsim" run "$data/tiny.yaml" --set simulation.enabled=false --seed 42 --output "$work/ind-base" --quiet
for i in "${!values[@]}"; do
    "$flemsim" run "$data/tiny.yaml" --set simulation.enabled=false --set "modes.car.default_parking_sek=${values[$i]}" \
        --seed 42 --output "$work/ind-$i" --quiet
    shares[$i]=$(share "$work/ind-$i/modal_split.json")
done
# The target half-way between the second and third values' shares; the expected answer is the
# first value whose independent share reaches it.
target=$("$python" -c "print(( ${shares[1]} + ${shares[2]} ) / 2)")
expected=$("$python" -c "
v='${values[*]}'.split()
s=[${shares[0]},${shares[1]},${shares[2]},${shares[3]}]
print(next((v[i] for i in range(4) if s[i] >= $target), 'none'))")
cat > "$work/one.yaml" <<YAML
name: one-lever
base: $data/tiny.yaml
target: $target
seeds: 1
levers:
  - {name: parking, set: modes.car.default_parking_sek, values: [20, 40, 80, 160]}
YAML
"$flemsim" target "$work/one.yaml" --seed 42 --output "$work/one" --jobs 2 --threads 1 >"$work/out" 2>"$work/err"
check "one-lever exit" [ $? -eq 0 ]
found=$("$python" -c '
import json,sys
r=json.load(open(sys.argv[1])); pts={p["point"]:p for p in r["points"]}
a=r["alone"][0]; print(pts[a]["levers"].split("=")[1] if a else "none")' "$work/one/target.json")
echo "threshold at target $target: parking=$found (independent runs: $expected)"
check "one-lever threshold ($found, independent runs: $expected)" [ "$found" = "$expected" ]
# Each point's share equals the independent run's.
for i in "${!values[@]}"; do
    got=$("$python" -c '
import json,sys
r=json.load(open(sys.argv[1]))
print(next(p["sustainable_share"] for p in r["points"] if p["levers"] == "parking=" + sys.argv[2]))' \
        "$work/one/target.json" "${values[$i]}")
    check "one-lever point ${values[$i]}" "$python" -c "import sys; sys.exit(abs($got - ${shares[$i]}) > 1e-9)"
done
check "one-lever text" grep -q "reaches the target alone at parking=$expected" "$work/out"
check "one-lever one seed said" grep -q "one seed: a point reaches the target on its share alone" "$work/out"
check "one-lever csv header" grep -q "^point,phase,parking,cost,seeds,sustainable_share,lower_bound" "$work/one/target.csv"
check "one-lever page" grep -q 'id="frontier"' "$work/one/target.html"
check "one-lever page target line" grep -q "target [0-9.]* %</text>" "$work/one/target.html"
check "one-lever page axis title" grep -q "sustainable share (%)" "$work/one/target.html"
check "one-lever trip logs dropped" [ ! -e "$work/one/runs/p001-s42/trips.h5" ]
check "one-lever modal split kept" [ -f "$work/one/runs/p001-s42/modal_split.json" ]

# 2. Every kind of lever, and the package search.
mkdir -p "$work/opt"
cat > "$work/opt/bridge.yaml" <<YAML
extends: $data/tiny.yaml
name: tiny-bridge
description: a footbridge
network_patch:
  add_links:
    - {id: bridge, from: a1, to: a3, length_m: 300, modes: walk|bike, type: cycleway}
YAML
cat > "$work/all.yaml" <<YAML
name: all-levers
base: $data/tiny.yaml
target: 0.99
seeds: 2
cost_unit: MSEK
max_points: 12
levers:
  - {name: parking, set: modes.car.default_parking_sek, values: [40, 80], cost: 1}
  - name: land_use
    set:
      land_use.west.residents: [250, 200]
      land_use.east.residents: [150, 200]
    cost: [2, 4]
  - {name: trains, headways: [r1], values: [0.5], cost: 5}
  - {name: bridge, package: opt/bridge.yaml, cost: 10}
YAML
"$flemsim" target "$work/all.yaml" --output "$work/all" --jobs 2 --threads 1 --require-target >"$work/out" 2>"$work/err"
code=$?
check "all-levers exit 3 (nothing reaches 99 %)" [ $code -eq 3 ]
check "all-levers says so" grep -q "No point searched reaches 99.0 %" "$work/out"
p_trains=$(grep -l "trains=x0.5)" "$work/all/points/"*.yaml | head -1)
check "headway point file" grep -q 'headway_s: 300' "$p_trains"
p_land=$(grep -l "(land_use=200/200)" "$work/all/points/"*.yaml | head -1)
check "land-use point file" grep -qE "residents: 200" "$p_land"
p_bridge=$(grep -l "(bridge=on)" "$work/all/points/"*.yaml | head -1)
check "package point file" grep -q "bridge.yaml" "$p_bridge"
check "package point runs as a scenario" "$flemsim" validate "$p_bridge" --quiet
check "two seeds: lower bound said" grep -q "90 % one-sided lower bound" "$work/out"
check "package path" grep -q "Package search" "$work/out"
rows=$(($(wc -l < "$work/all/target.csv") - 1))
check "points within max_points ($rows rows)" [ "$rows" -le $((1 + 6 + 12)) ]

# 3. Bad search files: errors at their position, exit 1, nothing written.
bad() {  # bad NAME PATTERN YAML
    printf '%s\n' "$3" > "$work/bad.yaml"
    "$flemsim" target "$work/bad.yaml" --output "$work/bad-out" >"$work/out" 2>"$work/err"
    local code=$?
    check "bad $1 exit" [ $code -eq 1 ]
    check "bad $1 message" grep -qE -- "$2" "$work/err"
    check "bad $1 nothing written" [ ! -e "$work/bad-out" ]
}
bad twice "bad.yaml:5:[0-9]+: levers\[1\].name: lever 'p' is named twice" "name: x
base: $data/tiny.yaml
levers:
  - {name: p, set: modes.car.default_parking_sek, values: [1]}
  - {name: p, set: modes.car.default_parking_sek, values: [2]}"
bad key "lever 'p': .*modes.car.default_parkin_sek|did you mean" "name: x
base: $data/tiny.yaml
levers:
  - {name: p, set: modes.car.default_parkin_sek, values: [1]}"
bad line "bad.yaml:4:[0-9]+: lever 't': no line 'r2' in the base network" "name: x
base: $data/tiny.yaml
levers:
  - {name: t, headways: [r2], values: [0.5]}"
bad kinds "a lever has one of set, headways or package" "name: x
base: $data/tiny.yaml
levers:
  - {name: t, headways: [r1], set: seed, values: [0.5]}"
bad costs "has 1 costs for 2 levels" "name: x
base: $data/tiny.yaml
levers:
  - {name: p, set: modes.car.default_parking_sek, values: [1, 2], cost: [3]}"
bad value "lever 'p': .*default_parking_sek" "name: x
base: $data/tiny.yaml
levers:
  - {name: p, set: modes.car.default_parking_sek, values: [-5]}"

echo "target: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
