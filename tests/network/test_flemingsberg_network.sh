#!/usr/bin/env bash
# The shipped Flemingsberg network is what its generator writes (the tables are not edited by
# hand), and it passes the generator's own check: connectivity, access to the gateways'
# stations, parks, bus segments, and every gateway's roads against its base-year peak demand; its
# coordinates are in SWEREF 99 TM as PROJ computes it.
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
# Every gateway has its feeder (a bus, or the metro, from a stop a short walk from one of its nodes
# to its main station), and the check catches a feeder stop beyond that walk.
grep -q '^feeders: 8 of 8 gateways' "$work/check.txt" || fail "not every one of the 8 gateways has its feeder"
mkdir -p "$work/far"
cp "$src"/networks/flemingsberg/*.csv "$src/networks/flemingsberg/network.yaml" "$work/far/"
sed -i '/^ca_tumba_f_tumba,/s/,520.0,/,900.0,/' "$work/far/links.csv"
grep -q '^ca_tumba_f_tumba,.*,900.0,' "$work/far/links.csv" || fail "could not lengthen Tumba's feeder walk in the copy"
if "$python" "$src/networks/flemingsberg/generate.py" --check "$work/far" > "$work/far.txt"; then
    fail "--check passes a network whose Tumba feeder stop is 900 m from the gateway"
fi
grep -q "feeder feeder_tumba" "$work/far.txt" || fail "--check does not name the far feeder stop"
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
# The one walk the fact sheet measures, Hälsovägen 11A (KTH) 719 m from the station, is matched
# within 10 %; Ebba Bååts torg to the campus crosses at the station's passage (both places found
# in the tables' coordinates); a mesh a fifth longer on foot is caught.
grep -Eq '^walk Flemingsberg platform -> Hälsovägen 11A \(KTH\): (6[5-9][0-9]|7[0-9][0-9]) m' "$work/check.txt" ||
    fail "the walk to Hälsovägen 11A is not within 10 % of the fact sheet's 719 m"
grep -q '^walk Ebba Bååts torg -> campus: .* via flemingsberg_passage$' "$work/check.txt" ||
    fail "the walk from Ebba Bååts torg to the campus does not cross at the station's passage"
mkdir -p "$work/long"
cp "$src"/networks/flemingsberg/*.csv "$src/networks/flemingsberg/network.yaml" "$work/long/"
awk -F, -v OFS=, '!/^#/ && NR > 2 && $4 != "" { $4 = sprintf("%.1f", $4 * 1.2) } { print }' \
    "$src/networks/flemingsberg/links.csv" > "$work/long/links.csv"
if "$python" "$src/networks/flemingsberg/generate.py" --check "$work/long" > "$work/long.txt"; then
    fail "--check passes a network whose every link is a fifth longer"
fi
grep -q "Hälsovägen 11A: .* the fact sheet's 719 m" "$work/long.txt" || fail "--check does not name the long walk to KTH"
# The tables are in SWEREF 99 TM: the generator's projection agrees with PROJ's within a millimetre
# (at the station, and 10 km off in every direction).
if command -v gdaltransform > /dev/null; then
    pts="17.9457 59.2180
18.1200 59.3000
17.7700 59.1300
18.0000 59.2900"
    ours=$(cd "$src/networks/flemingsberg" && echo "$pts" | "$python" -B -c "
import sys, generate
for line in sys.stdin:
    lon, lat = map(float, line.split())
    print('%.4f %.4f' % generate.sweref99tm(lat, lon))")
    proj=$(echo "$pts" | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:3006 | awk '{printf "%.4f %.4f\n", $1, $2}')
    paste <(echo "$ours") <(echo "$proj") | awk '{ if ((($1 - $3) ^ 2 + ($2 - $4) ^ 2) > 1e-6) bad = 1; n++ }
        END { exit !(n == 4 && !bad) }' ||
        fail "generate.py's SWEREF 99 TM differs from PROJ's: ours $ours, PROJ $proj"
else
    fail "gdaltransform not found (gdal-bin; scripts/setup.sh installs it)"
fi
grep -q "^crs: EPSG:3006" "$src/networks/flemingsberg/network.yaml" || fail "network.yaml does not state EPSG:3006"
[ "$failures" = 0 ] && echo "flemingsberg network: ok"
exit $((failures > 0))
