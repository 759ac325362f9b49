#!/usr/bin/env bash
# Your own study area, from files on disk to a first run (README "Your own study area"):
# network build (OpenStreetMap, GTFS, a zone file) -> scenario init -> run, on the real
# extracts beside the repository (../shared; a user's checkout has none: each part then says
# it skipped). Usage: test_own_area.sh FLEMSIM TESTDATA
set -euo pipefail
flemsim=$1
data=$2
shared=$(cd "$data/../../.." && pwd)/shared/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
# A first run: a sample of the population, coarse demand periods, two simulated days.
quick=(--threads 2 --quiet --set population.scale=0.05 --set simulation.capacity_factor=0.05
       --set simulation.transit_capacity_factor=0.05 --set demand.period_min=240 --set demand.samples_per_period=1
       --set iterations.max=2 --set iterations.min=1)

# A turn restriction in a hand-made file (tests/data/osm/turns.osm) changes flemsim's car route
# as worked by hand: from n4 to n2 straight on is forbidden at n5, so the car goes round (99.5 m,
# the 1 m turn across n5, 299.9 m round the block); walking is not restricted (2 x 99.5 m).
"$flemsim" network build --osm "$data/osm/turns.osm" --crs local --no-gateways -o "$tmp/turns" >"$tmp/turns.txt"
grep -q "turn restrictions: 1 via a node, 1 applied (1 car turns forbidden)" "$tmp/turns.txt" ||
    fail "turns: $(grep 'turn restr' "$tmp/turns.txt")"
printf 'id,from_lat,from_lon,to_lat,to_lon,mode,departure\nq1,59.9991,18.0,60.0009,18.0,car,08:00:00\nq2,59.9991,18.0,60.0009,18.0,walk,08:00:00\n' >"$tmp/q.csv"
"$flemsim" route --network "$tmp/turns" --queries "$tmp/q.csv" --output "$tmp/answers.csv" >/dev/null
grep -q "^q1,car,1,.*,400.4," "$tmp/answers.csv" || fail "turns: car route $(grep '^q1' "$tmp/answers.csv")"
grep -q "^q2,walk,1,.*,199.0," "$tmp/answers.csv" || fail "turns: walk route $(grep '^q2' "$tmp/answers.csv")"
echo "ok: a turn restriction changes the car route (400.4 m instead of 200)"

# Östermalm with a zone file (points with land use, WGS84 GeoJSON, the columns named as a
# statistics office names them): the gateways at the bbox's edge and the land use carried.
ostermalm=$shared/osm/stockholm-ostermalm.osm
if [ -f "$ostermalm" ]; then
    cat >"$tmp/zones.geojson" <<'JSON'
{"type": "FeatureCollection", "features": [
{"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.066, 59.337]}, "properties": {"deso": "z1", "namn": "Humlegården", "bef": 2500, "arb": 4000}},
{"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.075, 59.338]}, "properties": {"deso": "z2", "namn": "Östermalmstorg", "bef": 3000, "arb": 2500}},
{"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.070, 59.341]}, "properties": {"deso": "z3", "namn": "Engelbrekt", "bef": 3500, "arb": 1500}},
{"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.078, 59.341]}, "properties": {"deso": "z4", "namn": "Karlaplan", "bef": 4000, "arb": 1000}},
{"type": "Feature", "geometry": {"type": "Point", "coordinates": [18.30, 59.20]}, "properties": {"deso": "far", "namn": "Elsewhere", "bef": 999, "arb": 9}}
]}
JSON
    "$flemsim" network build --osm "$ostermalm" --bbox 59.3343,18.0602,59.3422,18.0807 --zones "$tmp/zones.geojson" \
        --zone-fields id=deso,name=namn,residents=bef,jobs=arb -o "$tmp/ost" >"$tmp/ost.txt"
    grep -q "^coordinates: EPSG:32634" "$tmp/ost.txt" || fail "Östermalm: not in UTM zone 34: $(cat "$tmp/ost.txt")"
    grep -q "1 of 5 zones hold no street node .*left out: far" "$tmp/ost.txt" || fail "Östermalm: the zone outside not reported"
    grep -q "land use of the zones kept (zones.csv): 13000 residents, 9000 jobs" "$tmp/ost.txt" ||
        fail "Östermalm: land use totals: $(grep 'land use' "$tmp/ost.txt")"
    # Counted by hand over the extract (every tertiary or higher way with nodes on both sides of
    # the bbox, with its oneway tag): 9 roads cross it at 13 places (cuts of one road more than
    # 150 m apart are two). A car can both enter and leave at 5: Birger Jarlsgatan twice and
    # Sveavägen in the west (each a pair of one-way carriageways), Karlavägen in the north and
    # Olof Palmes gata (two-way). The 8 others are one-way where they cross (Tegnérgatan,
    # Norrlandsgatan, Engelbrektsgatan, Sturegatan, Klaratunneln twice, Sveavägen's and
    # Karlavägen's other crossings): left out, and said so.
    grep -q "^gateways: 5 " "$tmp/ost.txt" || fail "Östermalm: $(grep '^gateways' "$tmp/ost.txt")"
    for id in gw_birger_jarlsgatan_north_west gw_birger_jarlsgatan_south_east gw_sveavagen_west \
        gw_karlavagen_north gw_olof_palmes_gata; do
        grep -q "^$id,.*,gateway," "$tmp/ost/zones.csv" || fail "Östermalm: no gateway $id"
    done
    [ "$(grep -c "left out: a car cannot both enter and leave" "$tmp/ost.txt")" = 8 ] || fail "Östermalm: left-out gateways"
    "$flemsim" scenario init --network "$tmp/ost" -o "$tmp/ost.yaml" >"$tmp/init.txt"
    grep -q "4 study zones, 5 gateways; land use 13000 residents, 9000 jobs" "$tmp/init.txt" ||
        fail "Östermalm init: $(cat "$tmp/init.txt")"
    grep -q "z4: {residents: 4000, jobs: 1000, study_places: 0, visits: 0}   # from .*zones.csv" "$tmp/ost.yaml" ||
        fail "Östermalm init: z4's land use"
    # The scenario file is refused as a target once it exists (no --force).
    if "$flemsim" scenario init --network "$tmp/ost" -o "$tmp/ost.yaml" 2>/dev/null; then fail "init overwrote a file"; fi
    # A scenario file in a folder that does not exist yet: the folder is made.
    "$flemsim" scenario init --network "$tmp/ost" -o "$tmp/new/scenarios/ost.yaml" >/dev/null ||
        fail "init into a new folder"
    [ -s "$tmp/new/scenarios/ost.yaml" ] || fail "init into a new folder: no file"
    "$flemsim" run "$tmp/ost.yaml" --output "$tmp/ost-run" --threads 2 --quiet
    [ -s "$tmp/ost-run/trips.h5" ] && [ -s "$tmp/ost-run/modal_split.json" ] || fail "Östermalm: no outputs"
    echo "ok: Östermalm from files to a run (5 gateways, 13,000 residents)"
else
    echo "skipped: Östermalm from files to a run (../shared/data/osm is absent)"
fi

# Terre Haute and Porto Alegre: OpenStreetMap and GTFS, grid zones (no zone file: land use by
# the stated default rule), from files to a run.
terre_haute=$shared/gtfs/terre-haute
if [ -d "$terre_haute" ]; then
    "$flemsim" network build --osm "$terre_haute/terre_haute.osm.pbf" --center 39.4667,-87.4139 --radius-km 4 \
        --gtfs "$terre_haute/terre-haute-gtfs.zip" --service-date 2017-10-02 --grid-m 1000 -o "$tmp/th" >"$tmp/th.txt"
    # 16 roads into the 8 km box: US 41 and US 150 among them, W National Ave's one-way pair
    # (named differently on each carriageway) as one; I 70 crosses the corner one way only.
    grep -q "^gateways: 16 " "$tmp/th.txt" || fail "Terre Haute: $(grep '^gateways' "$tmp/th.txt")"
    grep -q "^  gw_w_national_ave W National Ave (west): 2 cut(s)" "$tmp/th.txt" || fail "Terre Haute: National Ave"
    "$flemsim" scenario init --network "$tmp/th" -o "$tmp/th.yaml" >"$tmp/th-init.txt"
    grep -q "by the default rule" "$tmp/th-init.txt" || fail "Terre Haute init: $(cat "$tmp/th-init.txt")"
    "$flemsim" run "$tmp/th.yaml" --output "$tmp/th-run" "${quick[@]}"
    [ -s "$tmp/th-run/trips.h5" ] || fail "Terre Haute: no trip log"
    echo "ok: Terre Haute from files to a run"
else
    echo "skipped: Terre Haute from files to a run (../shared/data/gtfs/terre-haute is absent)"
fi
porto_alegre=$shared/gtfs/porto-alegre
if [ -d "$porto_alegre" ]; then
    "$flemsim" network build --osm "$porto_alegre/poa_osm.pbf" --bbox=-30.10,-51.25,-30.01,-51.145 \
        --gtfs "$porto_alegre/poa_eptc.zip" --gtfs "$porto_alegre/poa_trensurb.zip" --service-date 2019-05-06 \
        -o "$tmp/poa" >"$tmp/poa.txt"
    grep -q "^coordinates: EPSG:32722" "$tmp/poa.txt" || fail "Porto Alegre: not in UTM zone 22 S"
    # Every gateway kept brings cars in (a one-way street out of the area makes none).
    grep -q "^gateways: 26 " "$tmp/poa.txt" || fail "Porto Alegre: $(grep '^gateways' "$tmp/poa.txt")"
    if grep -q "^  gw_.*, 0 veh/h in" "$tmp/poa.txt"; then fail "Porto Alegre: a gateway brings nobody in"; fi
    # The metro (Trensurb) leaves the box to the north: its first station beyond, São Pedro, is a
    # gateway station (the southern end, Mercado, lies inside).
    grep -q "1 at the first rail station beyond the edge" "$tmp/poa.txt" || fail "Porto Alegre: station gateways"
    grep -q "^  gw_SP ESTACAO SAO PEDRO (station)" "$tmp/poa.txt" || fail "Porto Alegre: no São Pedro gateway"
    "$flemsim" scenario init --network "$tmp/poa" -o "$tmp/poa.yaml" >/dev/null
    "$flemsim" run "$tmp/poa.yaml" --output "$tmp/poa-run" "${quick[@]}"
    [ -s "$tmp/poa-run/trips.h5" ] || fail "Porto Alegre: no trip log"
    echo "ok: Porto Alegre from files to a run"
else
    echo "skipped: Porto Alegre from files to a run (../shared/data/gtfs/porto-alegre is absent)"
fi
