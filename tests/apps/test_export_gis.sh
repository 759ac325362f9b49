#!/usr/bin/env bash
# GIS exports through GDAL: read back with GDAL's own ogrinfo (gdal-bin, which `make test`
# installs), every layer with its feature count and the stated CRS; volumes as the trip log has
# them; coordinates as PROJ's gdaltransform gives them independently; gzip and FlatGeobuf.
# Usage: test_export_gis.sh FLEMSIM TEST_DATA_DIR PYTHON
set -u
flemsim=$1
data=$(cd "$2" && pwd)
python=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passes=0
check() {  # check NAME COMMAND...
    local name=$1
    shift
    if "$@"; then passes=$((passes + 1)); else echo "FAIL $name"; failures=$((failures + 1)); fi
}
for tool in ogrinfo gdaltransform; do
    command -v "$tool" > /dev/null || { echo "FAIL: $tool not found (gdal-bin; scripts/setup.sh installs it)"; exit 1; }
done

"$flemsim" run "$data/tiny.yaml" --output "$work/run" --quiet --threads 1 || { echo "FAIL run"; exit 1; }
"$flemsim" export "$work/run/trips.h5" --network "$data/tiny" --crs EPSG:3006 --output "$work/gpkg" --quiet
check "export gpkg exit" [ $? -eq 0 ]
gpkg="$work/gpkg/network.gpkg"
ogrinfo -q "$gpkg" > "$work/layers.txt"
for layer in zones nodes links stops line_loads; do
    check "layer $layer" grep -q "$layer" "$work/layers.txt"
done
count() { ogrinfo -so "$1" "$2" | sed -n 's/^Feature Count: //p'; }
# The tiny network: 3 zones, 7 nodes, 6 links, 3 stops.
check "zones count" [ "$(count "$gpkg" zones)" = 3 ]
check "nodes count" [ "$(count "$gpkg" nodes)" = 7 ]
check "links count" [ "$(count "$gpkg" links)" = 6 ]
check "stops count" [ "$(count "$gpkg" stops)" = 3 ]
for layer in zones nodes links stops line_loads; do
    ogrinfo -so "$gpkg" "$layer" > "$work/$layer.txt"
    check "CRS of $layer" grep -q 'PROJCRS\["SWEREF99 TM"' "$work/$layer.txt"
done
check "links fields" grep -q "vc_peak: Real" "$work/links.txt"
check "links cars by period" grep -q "cars_am: Integer64" "$work/links.txt"

# A link's cars over the day, as the trip log has them.
expected=$("$python" - "$work/run/trips.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1])
links = [r["id"].decode() for r in f["lookup/links"][()]]
v = f["link_volumes"][()]
print(int(v["cars"][v["link"] == links.index("l12")].sum()))
PY
)
got=$(ogrinfo -q "$gpkg" -sql "SELECT cars FROM links WHERE id = 'l12'" | sed -n 's/^ *cars (Integer64) = //p')
check "cars on l12 ($got, trip log: $expected)" [ "$got" = "$expected" ]
check "cars on l12 not zero" [ "$expected" -gt 0 ]

# Node a0 sits at the network's origin (59.2180 N, 17.9457 E in network.yaml): where PROJ puts it.
read -r ex ey _ < <(echo "17.9457 59.2180" | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:3006 -output_xy 2>/dev/null ||
                     echo "17.9457 59.2180" | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:3006)
point=$(ogrinfo -q "$gpkg" -sql "SELECT * FROM nodes WHERE id = 'a0'" | grep -o 'POINT ([0-9. ]*)')
check "a0 where PROJ puts it ($point vs $ex $ey)" "$python" -c "
import sys
x, y = map(float, '$point'[7:-1].split())
sys.exit(not (abs(x - $ex) < 0.01 and abs(y - $ey) < 0.01))"

# GeoJSON: a file per layer, WGS84 by default; FlatGeobuf with gzip-compressed trips.
"$flemsim" export "$work/run/trips.h5" --network "$data/tiny" --format geojson --output "$work/gj" --quiet
for layer in zones nodes links stops line_loads; do
    check "geojson $layer opens" ogrinfo -so -q "$work/gj/$layer.geojson" "$layer" > /dev/null
done
check "geojson WGS84" grep -q '"coordinates": \[ 17.9457' "$work/gj/nodes.geojson"
"$flemsim" export "$work/run/trips.h5" --network "$data/tiny" --format fgb --gzip --output "$work/fgb" --quiet
check "fgb links" [ "$(count "$work/fgb/links.fgb" links)" = 6 ]
check "gzip trips" cmp -s <(gunzip -c "$work/fgb/output_trips.csv.gz") "$work/gj/output_trips.csv"
check "export.json lists the files" grep -q '"output_trips.csv.gz"' "$work/fgb/export.json"

# A static run: the network and stops without volumes, no line loads.
"$flemsim" run "$data/tiny.yaml" --set simulation.enabled=false --output "$work/static" --quiet
"$flemsim" export "$work/static/trips.h5" --network "$data/tiny" --output "$work/sx" --quiet
ogrinfo -q "$work/sx/network.gpkg" > "$work/sx.txt"
check "static: no line_loads" bash -c "! grep -q line_loads '$work/sx.txt'"
check "static: links without volumes" bash -c "! ogrinfo -so '$work/sx/network.gpkg' links | grep -q '^cars:'"

echo "export gis: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
