#!/usr/bin/env bash
# The shipped Flemingsberg network is what its generator writes (the tables are not edited by
# hand), and it passes the generator's own check: connectivity, access to the gateways'
# stations, parks, bus segments, and every gateway's roads against its base-year peak demand.
# Usage: test_flemingsberg_network.sh PYTHON SOURCE_DIR
set -u
python=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

"$python" "$src/networks/flemingsberg/generate.py" "$work" > /dev/null || fail "generate.py"
for f in nodes.csv links.csv zones.csv stops.csv lines.csv line_stops.csv headways.csv vehicles.csv network.yaml; do
    cmp -s "$work/$f" "$src/networks/flemingsberg/$f" || fail "networks/flemingsberg/$f differs from what generate.py writes"
done
"$python" "$src/networks/flemingsberg/generate.py" --check "$src/networks/flemingsberg" > "$work/check.txt" ||
    { cat "$work/check.txt"; fail "generate.py --check"; }
# Every gateway's road capacity is stated against its base-year demand, and every junction's.
[ "$(grep -c '^gateway .*: ok$' "$work/check.txt")" = 8 ] || fail "not every one of the 8 gateways has its roads checked"
[ "$(grep -c '^junction .*: ok$' "$work/check.txt")" -ge 4 ] || fail "fewer than 4 junctions checked"
# The check must catch a junction whose arterials are too small: the same tables with
# Hälsovägen's capacity cut to 300 veh/h.
mkdir -p "$work/cut"
cp "$src"/networks/flemingsberg/*.csv "$src/networks/flemingsberg/network.yaml" "$work/cut/"
sed -i -E 's/^([^,]*,[^,]*,[^,]*,[^,]*,primary,[^,]*,[^,]*,[^,]*,[^,]*),1800,Hälsovägen$/\1,300,Hälsovägen/' "$work/cut/links.csv"
grep -q ',300,Hälsovägen$' "$work/cut/links.csv" || fail "could not cut Hälsovägen's capacity in the copy"
if "$python" "$src/networks/flemingsberg/generate.py" --check "$work/cut" > "$work/cut.txt"; then
    fail "--check passes a network whose E4/E20 junction carries 300 veh/h"
fi
grep -q "SHORT" "$work/cut.txt" || fail "--check does not name the short junction"
[ "$failures" = 0 ] && echo "flemingsberg network: ok"
exit $((failures > 0))
