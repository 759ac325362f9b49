#!/usr/bin/env bash
# A run that fills its disk ends with a clean error and exit code 1: the message names the
# file and the cause, no signal ends the process (HDF5's shutdown once crashed on a file it
# could not flush), and neither trips.h5 nor a temporary file is left behind.
# The small disk is a tmpfs the test mounts, so it needs root; otherwise it says it skipped.
# Usage: test_full_disk.sh FLEMSIM DATA_DIR
set -u
flemsim=$(realpath "$1")
data=$(realpath "$2")
work=$(mktemp -d)
disk="$work/disk"
mkdir -p "$disk"
cleanup() {
    mountpoint -q "$disk" && umount "$disk"
    rm -rf "$work"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=1m tmpfs "$disk" 2>/dev/null; then
    echo "skipped: needs root to mount a tmpfs"
    exit 0
fi
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# Leave a few KiB free, so that the trip log cannot fit whatever its size.
dd if=/dev/zero of="$disk/filler" bs=4k count=$(( $(df -k --output=avail "$disk" | tail -1) / 4 - 4 )) 2>/dev/null

"$flemsim" run "$data/tiny.yaml" --output "$disk/out" --quiet >"$work/stdout" 2>"$work/stderr"
rc=$?
cat "$work/stderr"
# 128 + N is a signal (a crash at exit included).
[ "$rc" = 1 ] || fail "exit code $rc, expected 1"
grep -q "trips.h5" "$work/stderr" || fail "the error does not name trips.h5"
grep -qi "no space left on device" "$work/stderr" || fail "the error does not say 'No space left on device'"
[ -e "$disk/out/trips.h5" ] && fail "a trips.h5 was left"
left=$(find "$disk" -name '*.tmp*' -o -name '.*tmp*' | grep -v '^$' || true)
[ -z "$left" ] || fail "temporary files left: $left"

# With room again the same command succeeds: the failure left nothing in its way.
rm -f "$disk/filler"
"$flemsim" run "$data/tiny.yaml" --output "$disk/out" --quiet 2>"$work/stderr2" || { cat "$work/stderr2"; fail "run with room"; }

if [ "$failures" -gt 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "full disk: clean error, exit 1, nothing left"
