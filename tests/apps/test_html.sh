#!/usr/bin/env bash
# The HTML reports open in headless Chromium (Debian's chromium, which `make test` installs):
# they render, run their script without a console message, show the key numbers of the run,
# and a screenshot is saved (tests/apps/html-report.png in the build folder).
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
# With one seed the page says that intervals need two or more, and shows none.
"$flemsim" compare "$data/tiny.yaml" "$work/option.yaml" --seeds 1 --output "$work/cmp1" --html --quiet || fail "compare --seeds 1"
grep -q 'id="one-seed"' "$work/cmp1/compare.html" || fail "one seed, but the page does not say that intervals need two"
grep -q '±' "$work/cmp1/compare.html" && fail "one seed, but the page shows an interval"

if [ "$failures" -gt 0 ]; then echo "$failures failed"; exit 1; fi
echo "html reports: all checks passed"
