#!/usr/bin/env python3
"""Checks analysis/trips_to_pandas.py on a trip log of a simulated day (with /legs).

Usage: test_trips_to_pandas.py TRIPS.h5 EXPECTED_ROWS

The static case (no /legs) is checked on a copy of TRIPS.h5 without /legs, written next to it.

h5py and pandas are Debian's python3-h5py and python3-pandas, which `make test` installs:
without them the check fails, saying so.
"""
import contextlib
import io
import pathlib
import shutil
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
    "trip_id", "person_id", "trip_index", "tour_index", "group", "purpose", "main_mode", "dest_activity",
    "origin_zone", "dest_zone", "origin_node", "dest_node", "dep_time_s", "arr_time_s", "distance_m",
    "in_vehicle_s", "wait_s", "access_s", "egress_s", "transfer_walk_s", "transfers", "board_stop",
    "alight_stop", "first_line", "last_line", "cost_sek", "denied_boardings", "stuck",
    "gave_up", "transit_access",
]


def run_main(args):
    """trips_to_pandas.main(args) and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert trips_to_pandas.main(["trips_to_pandas.py", *args]) == 0
    return out.getvalue()


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
    modes = set(trips["main_mode"].astype(str))
    assert modes <= {"walk", "bike", "transit", "car"}, modes
    assert list(trips["main_mode"].cat.categories) == ["walk", "bike", "transit", "car"]
    # No column hides a DataFrame method (trips.mode was the method, not the column).
    assert not any(callable(getattr(pd.DataFrame, c, None)) for c in trips.columns), list(trips.columns)
    assert set(trips["group"].astype(str)) <= {"resident", "resident_worker", "resident_student", "worker",
                                               "student"}
    assert (trips["main_mode"].cat.codes.to_numpy() == raw["main_mode"].to_numpy()).all()

    # Text columns come back as str, not bytes; UTF-8 survives.
    for table in ("zones", "stops", "lines", "links"):
        frame = trips_to_pandas.load_lookup(path, table)
        for column in ("id", "name"):
            assert all(isinstance(v, str) for v in frame[column]), (table, column, frame[column].tolist())
    stops = trips_to_pandas.load_lookup(path, "stops")
    assert "Campus" in list(stops["name"]), stops

    text = run_main([path])
    assert "Sustainable share (walk + bike + transit):" in text, text
    assert f"{expected_rows} trips" in text, text
    assert "legs" not in text, text  # only with --legs
    print(text)

    # --legs: the legs by mode, counted here from the raw table.
    with h5py.File(path, "r") as f:
        assert "legs" in f, "the sample should be a simulated day"
        raw_legs = pd.DataFrame(f["legs"][()])
    assert len(raw_legs) > 0
    legs = trips_to_pandas.load_legs(path)
    assert list(legs["leg_mode"].cat.categories) == ["walk", "bike", "transit", "car"]
    assert (legs["leg_mode"].cat.codes.to_numpy() == raw_legs["leg_mode"].to_numpy()).all()
    text = run_main([path, "--legs"])
    assert f"{len(raw_legs)} legs" in text, text
    for code, mode in enumerate(["walk", "bike", "transit", "car"]):
        n = int((raw_legs["leg_mode"] == code).sum())
        assert f"  {mode:<10}{n:8d}" in text, (mode, n, text)
    print(text)

    # Per line from /transit_load: the sums of the raw table, every line of the lookup.
    by_line = trips_to_pandas.transit_by_line(path)
    with h5py.File(path, "r") as f:
        raw_load = pd.DataFrame(f["transit_load"][()])
        line_count = len(f["lookup/lines"])
    assert len(by_line) == line_count, by_line
    assert list(by_line.columns) == ["boardings", "denied", "gave_up"], by_line
    for column in ("boardings", "denied", "gave_up"):
        assert int(by_line[column].sum()) == int(raw_load[column].sum()), (column, by_line)

    # Park-and-ride: the sample's transit trip drove to the car park of stop 0.
    access = trips_to_pandas.transit_access_counts(trips)
    assert access.to_dict() == {"walk": 0, "bike-and-ride": 0, "park-and-ride": 1}, access
    lots = trips_to_pandas.load_lots(path)
    assert list(lots["kind"]) == ["bike", "car"], lots
    assert list(lots["stop_name"]) == ["Campus", "Centrum"], lots
    assert list(lots["arrivals"]) == [0, 1] and list(lots["full_from_s"]) == [-1, -1], lots

    # A version-3 file: /trips without transit_access and its mode column named mode, no
    # /lots; read as zeros, main_mode and no lots.
    older = str(pathlib.Path(path).with_name(pathlib.Path(path).stem + "_v3.h5"))
    shutil.copyfile(path, older)
    with h5py.File(older, "r+") as f:
        rows = f["trips"][()]
        kept = [name for name in rows.dtype.names if name != "transit_access"]
        v3 = rows[kept]
        del f["trips"]
        f.create_dataset("trips", data=v3.astype(
            [("mode" if name == "main_mode" else name, v3.dtype[name]) for name in kept]))
        legs_rows = f["legs"][()]
        del f["legs"]
        f.create_dataset("legs", data=legs_rows.astype(
            [("mode" if name == "leg_mode" else name, legs_rows.dtype[name]) for name in legs_rows.dtype.names]))
        del f["lots"]
        f.attrs["schema_version"] = 3
    old_trips = trips_to_pandas.load_trips(older)
    assert list(old_trips.columns) == EXPECTED_COLUMNS, list(old_trips.columns)
    assert (old_trips["transit_access"] == 0).all()
    assert (old_trips["main_mode"].astype(str) == trips["main_mode"].astype(str)).all()
    assert (trips_to_pandas.load_legs(older)["leg_mode"].astype(str) == legs["leg_mode"].astype(str)).all()
    assert trips_to_pandas.transit_access_counts(old_trips)["walk"] == 1
    assert trips_to_pandas.load_lots(older).empty

    # A static run: no /legs.
    static = str(pathlib.Path(path).with_name(pathlib.Path(path).stem + "_static.h5"))
    shutil.copyfile(path, static)
    with h5py.File(static, "r+") as f:
        for name in ("legs", "link_volumes", "transit_load", "iterations", "lots"):
            del f[name]
    assert trips_to_pandas.load_legs(static) is None
    assert trips_to_pandas.transit_by_line(static) is None
    assert trips_to_pandas.load_lots(static) is None
    text = run_main(["--legs", static])
    assert "no /legs: a static run" in text, text
    assert f"{expected_rows} trips" in text, text
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
