#!/usr/bin/env bash
# The HTML reports open in headless Chromium (Debian's chromium, which `make test` installs):
# they render, run their script without a console message, show the key numbers of the run,
# and screenshots are saved (html-report.png and compare.png in the build's tests folder).
# Usage: test_html.sh FLEMSIM DATA_DIR
set -u
flemsim=$(realpath "$1")
data=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

browser=$(command -v chromium || true)
if [ -z "$browser" ]; then
    echo "FAIL: chromium not found (scripts/setup.sh installs it)"
    exit 1
fi
# Headless Chromium: --no-sandbox because CI runs as root.
chrome() { timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" \
    --enable-logging=stderr --v=0 "$@"; }

# The check itself must catch a page with a script error.
printf '<!DOCTYPE html><html><body><script>null.x;</script></body></html>\n' > "$work/bad.html"
chrome --dump-dom "file://$work/bad.html" 2>"$work/bad.err" >/dev/null
grep -q "CONSOLE" "$work/bad.err" || fail "a script error on a page is not seen"

"$flemsim" run "$data/tiny.yaml" --output "$work/run" --quiet || fail "run"
"$flemsim" report "$work/run/trips.h5" --output "$work/rep" --html "$work/page/report.html" \
    --scenario "$data/tiny.yaml" > "$work/report.txt" || fail "report --html"
share=$(grep -o 'Sustainable share (walk + bike + transit): [0-9.]* %' "$work/report.txt" | grep -o '[0-9.]* %' | head -n1)
[ -n "$share" ] || fail "no sustainable share in the text report"

chrome --dump-dom "file://$work/page/report.html" 2>"$work/page.err" >"$work/dom.html"
grep -q 'data-ready="1"' "$work/dom.html" || fail "the page's script did not run to its end"
if grep "CONSOLE" "$work/page.err"; then fail "console messages on the report page"; fi
grep -q "Sustainable share ${share}" "$work/dom.html" || fail "the report page lacks 'Sustainable share ${share}'"
for section in "Check these" "By group" "By distance band" "Departure time" "Transit crowding" "Day-to-day loop" "Network and volumes" "Accessibility"; do
    grep -q "<h2>$section</h2>" "$work/dom.html" || fail "no section '$section'"
done
grep -q 'id="map"' "$work/dom.html" && grep -q 'id="acc"' "$work/dom.html" || fail "no map"
# The loop's verdict on the page is the text report's.
days=$(grep -o 'Loop converged after [0-9]* days\|Loop stopped at the day limit ([0-9]* days)' "$work/report.txt" | grep -o '[0-9]* days')
[ -n "$days" ] || fail "no verdict of the day-to-day loop in the text report"
grep -q "id=\"loop\"[^>]*>[A-Za-z (]*${days%% *} days" "$work/dom.html" || fail "the report page lacks the loop's verdict (${days})"
chrome --window-size=1100,2600 --screenshot="$work/shot.png" "file://$work/page/report.html" 2>/dev/null >/dev/null
if [ -s "$work/shot.png" ]; then cp "$work/shot.png" html-report.png; else fail "no screenshot"; fi

# Names from scenario files are escaped: a scenario named with markup shows as text.
"$flemsim" run "$data/tiny.yaml" --set 'name=tiny<i>x' --output "$work/evil" --quiet || fail "run of tiny<i>x"
"$flemsim" report "$work/evil/trips.h5" --html "$work/evil.html" --quiet || fail "report of tiny<i>x"
chrome --dump-dom "file://$work/evil.html" 2>/dev/null >"$work/evil-dom.html"
grep -q 'tiny&lt;i&gt;x' "$work/evil-dom.html" && ! grep -q '<i>x' "$work/evil-dom.html" || fail "a name with markup is not escaped"

# A comparison page.
cat > "$work/option.yaml" <<YAML
extends: $data/tiny.yaml
name: tiny-option
modes:
  car: {default_parking_sek: 50}
YAML
"$flemsim" compare "$data/tiny.yaml" "$work/option.yaml" --seeds 2 --output "$work/cmp" --html --quiet || fail "compare --html"
chrome --dump-dom "file://$work/cmp/compare.html" 2>"$work/cmp.err" >"$work/cmp-dom.html"
grep -q 'data-ready="1"' "$work/cmp-dom.html" || fail "the comparison page's script did not run"
if grep "CONSOLE" "$work/cmp.err"; then fail "console messages on the comparison page"; fi
grep -q "<td>tiny-option</td>" "$work/cmp-dom.html" || fail "the comparison page lacks the option"
mean=$(grep '^tiny-option,sustainable_share,' "$work/cmp/compare.csv" | cut -d, -f4)
pct=$(/usr/bin/python3 -c "print(f'{100 * float(\"$mean\"):.1f}')")
grep -q "<td>${pct}" "$work/cmp-dom.html" || fail "the comparison page lacks the option's share ${pct}"
grep -q 'id="one-seed"' "$work/cmp-dom.html" && fail "two seeds, but the page says one"
# Effects sorted by size with the gap to the target drawn, and difference maps (option minus base)
# with a layer per option; a second option with no effect (a footbridge nobody needs) comes last.
cat > "$work/bridge.yaml" <<YAML
extends: $data/tiny.yaml
name: tiny-bridge
description: A footbridge a1-a3
network_patch:
  add_links:
    - {id: bridge, from: a1, to: a3, length_m: 300, modes: walk|bike, type: cycleway}
YAML
"$flemsim" compare "$data/tiny.yaml" "$work/bridge.yaml" "$work/option.yaml" --seeds 2 --output "$work/cmp2" --html --quiet || fail "compare of two options"
chrome --dump-dom "file://$work/cmp2/compare.html" 2>"$work/cmp2.err" >"$work/cmp2-dom.html"
if grep "CONSOLE" "$work/cmp2.err"; then fail "console messages on the comparison page of two options"; fi
/usr/bin/python3 - "$work/cmp2/compare.csv" "$work/cmp2-dom.html" <<'PY' || fail "effects not sorted, or the target gap or the difference maps missing"
import csv, re, sys
rows = {(r["scenario"], r["metric"]): r for r in csv.DictReader(open(sys.argv[1]))}
page = open(sys.argv[2]).read()
chart = page[page.index('id="effects-chart"'):]
chart = chart[:chart.index("</svg>")]
names = re.findall(r'text-anchor="end">(tiny-[a-z]+)</text>', chart)
effects = {n: float(rows[(n, "sustainable_share")]["difference"]) for n in names}
assert names == sorted(names, key=lambda n: -effects[n]), (names, effects)
assert len(names) == 2
base = float(rows[("tiny", "sustainable_share")]["mean"])
gap = f"{100 * (0.70 - base):+.1f}"
assert f"gap to the target: {gap} points" in chart, gap
for m in ("diff-links", "diff-transit"):
    svg = page[page.index(f'id="{m}"'):]
    svg = svg[:svg.index("</svg>")]
    assert svg.count('class="layer"') == 2, m
    assert "minus tiny" in svg, m
assert "A footbridge a1-a3" in page
PY
chrome --window-size=1100,2600 --screenshot="$work/cmp.png" "file://$work/cmp2/compare.html" 2>/dev/null >/dev/null
if [ -s "$work/cmp.png" ]; then cp "$work/cmp.png" compare.png; else fail "no screenshot of the comparison page"; fi
# The run's map names every node on hover and has a scale bar.
grep -q '<title>node a0</title>' "$work/dom.html" || fail "the map does not name its nodes"
grep -q 'class="scale"' "$work/dom.html" || fail "the map has no scale bar"

# With one seed the page says that intervals need two or more, and shows none.
"$flemsim" compare "$data/tiny.yaml" "$work/option.yaml" --seeds 1 --output "$work/cmp1" --html --quiet || fail "compare --seeds 1"
grep -q 'id="one-seed"' "$work/cmp1/compare.html" || fail "one seed, but the page does not say that intervals need two"
grep -q '±' "$work/cmp1/compare.html" && fail "one seed, but the page shows an interval"

if [ "$failures" -gt 0 ]; then echo "$failures failed"; exit 1; fi
echo "html reports: all checks passed"
