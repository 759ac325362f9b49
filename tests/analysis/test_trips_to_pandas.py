#!/usr/bin/env python3
"""Checks analysis/trips_to_pandas.py on a trip log.

Usage: test_trips_to_pandas.py TRIPS.h5 EXPECTED_ROWS

h5py and pandas are Debian's python3-h5py and python3-pandas, which `make test` installs:
without them the check fails, saying so.
"""
import contextlib
import io
import pathlib
import sys

try:
    import h5py
    import pandas as pd
except ImportError as e:
    print(f"FAIL: {e} (install python3-h5py and python3-pandas; scripts/setup.sh does)")
    sys.exit(1)

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "analysis"))
import trips_to_pandas  # noqa: E402

# Every TripRecord field, in the order of sim/core/records.hpp.
EXPECTED_COLUMNS = [
    "trip_id", "person_id", "trip_index", "tour_index", "group", "purpose", "mode", "dest_activity",
    "origin_zone", "dest_zone", "origin_node", "dest_node", "dep_time_s", "arr_time_s", "distance_m",
    "in_vehicle_s", "wait_s", "access_s", "egress_s", "transfer_walk_s", "transfers", "board_stop",
    "alight_stop", "first_line", "last_line", "cost_sek",
]


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, expected_rows = argv[1], int(argv[2])

    # The plain h5py + pandas route works without our helper.
    with h5py.File(path, "r") as f:
        raw = pd.DataFrame(f["trips"][()])
    assert list(raw.columns) == EXPECTED_COLUMNS, list(raw.columns)
    assert len(raw) == expected_rows, len(raw)

    trips = trips_to_pandas.load_trips(path)
    assert list(trips.columns) == EXPECTED_COLUMNS, list(trips.columns)
    assert len(trips) == expected_rows, len(trips)
    modes = set(trips["mode"].astype(str))
    assert modes <= {"walk", "bike", "transit", "car"}, modes
    assert list(trips["mode"].cat.categories) == ["walk", "bike", "transit", "car"]
    assert set(trips["group"].astype(str)) <= {"resident", "resident_worker", "resident_student", "worker",
                                               "student"}
    assert (trips["mode"].cat.codes.to_numpy() == raw["mode"].to_numpy()).all()

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert trips_to_pandas.main(["trips_to_pandas.py", path]) == 0
    text = out.getvalue()
    assert "Sustainable share (walk + bike + transit):" in text, text
    assert f"{expected_rows} trips" in text, text
    print(text)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
