#!/usr/bin/python3
"""Writes the trip-log cases of the corpus (tests/bad_inputs/cases/hand/trip_log) from one good
trip log: cut short, emptied, not HDF5, and well-formed HDF5 with something wrong inside (an
unknown schema version, a dataset missing, a column of the wrong type, rows that disagree).
Needs Debian's python3-h5py. Usage: make_trip_logs.py GOOD_TRIPS.h5
"""
import shutil
import sys
from pathlib import Path

import h5py
import numpy as np

OUT = Path(__file__).resolve().parent / "cases" / "hand" / "trip_log"
good = Path(sys.argv[1]).read_bytes()


# Known failures, to be fixed in sim/output (read_trip_log) or sim/report.
EXPECTED_FAIL = {}


def write_case(name, data=None, edit=None, error=r"trips\.h5"):
    folder = OUT / name
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "files").mkdir(parents=True)
    path = folder / "files" / "trips.h5"
    path.write_bytes(good if data is None else data)
    if edit:
        with h5py.File(path, "r+") as f:
            edit(f)
    spec = f"args: report trips.h5 --output rep\nexit: 1\nerror: {error}\n"
    if name in EXPECTED_FAIL:
        spec += f"expected_fail: {EXPECTED_FAIL[name]}\n"
    (folder / "case.txt").write_text(spec)


write_case("empty", b"")
write_case("text", b"this is not a trip log\n")
write_case("magic-only", b"\x89HDF\r\n\x1a\n")
for cut in (64, 512, 4096, len(good) // 2, len(good) - 100):
    write_case(f"truncated-{cut}", good[:cut])
write_case("flipped-bytes", bytes(b ^ 0xFF if 2000 <= i < 2200 else b for i, b in enumerate(good)))
write_case("schema-version-99", edit=lambda f: f.attrs.modify("schema_version", 99))
write_case("schema-version-missing", edit=lambda f: f.attrs.__delitem__("schema_version"))
write_case("no-trips", edit=lambda f: f.__delitem__("trips"))
write_case("no-persons", edit=lambda f: f.__delitem__("persons"))
write_case("no-lookup-modes", edit=lambda f: f.__delitem__("lookup/modes"))


def trips_as_int(f):
    del f["trips"]
    f["trips"] = np.arange(10, dtype=np.int32)


write_case("trips-wrong-type", edit=trips_as_int)


def modes_renamed(f):
    labels = [s.decode() if isinstance(s, bytes) else s for s in f["lookup/modes"][()]]
    labels[0] = "teleport"
    del f["lookup/modes"]
    f["lookup/modes"] = np.array(labels, dtype=h5py.string_dtype())


write_case("modes-relabelled", edit=modes_renamed)


def mode_out_of_range(f):
    t = f["trips"][()]
    t["main_mode" if "main_mode" in t.dtype.names else "mode"][0] = 17
    f["trips"][...] = t


write_case("trip-mode-out-of-range", edit=mode_out_of_range)


def person_out_of_range(f):
    t = f["trips"][()]
    t["person_id"][0] = 4_000_000
    f["trips"][...] = t


write_case("trip-person-out-of-range", edit=person_out_of_range)
write_case("target-nan", edit=lambda f: f.attrs.modify("target_sustainable_share", float("nan")))
print(f"trip-log cases in {OUT}")
