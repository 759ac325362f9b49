#!/usr/bin/env python3
"""Load the /trips table of a flemsim trip log into pandas and print its modal split.

Usage: python3 analysis/trips_to_pandas.py TRIPS.h5 [--legs]

With --legs, also the number of legs by mode from /legs (written for a simulated day; a
static run has none). The enum columns (group, purpose, main_mode, dest_activity; leg_mode in
/legs) are stored as HDF5 enums over uint8; they come back as categoricals with the
labels of the file, in value order. Files before version 6 name the mode columns "mode" (a
name pandas' DataFrame.mode hides): they come back as main_mode and leg_mode all the same.
Text columns (the lookups' ids and names) come back as str: h5py hands variable-length
strings of compound rows over as bytes, and load_lookup decodes them (UTF-8). Version-1 files have no denied_boardings and stuck
columns in /trips, and files before version 3 no gave_up in /trips and /transit_load.
transit_access (0 walk, 1 bike-and-ride, 2 park-and-ride) came with version 4, and /lots with
it: load_trips gives older files a transit_access of zeros, load_lots an empty table.
"""
import sys

import h5py
import pandas as pd

ENUM_COLUMNS = ("group", "purpose", "main_mode", "dest_activity")
LEG_ENUM_COLUMNS = ("leg_mode",)
OLD_MODE_COLUMN = {"trips": "main_mode", "legs": "leg_mode"}  # "mode" before schema 6
SUSTAINABLE_MODES = ("walk", "bike", "transit")
TRANSIT_ACCESS = ("walk", "bike-and-ride", "park-and-ride")  # by value of transit_access
LOT_KINDS = {1: "bike", 2: "car"}  # /lots kind
LOT_COLUMNS = ("stop", "kind", "spaces", "arrivals", "peak", "over_capacity", "full_from_s")


def _load_table(path, f, name, enum_columns):
    """Dataset `name` of the open file `f` as a DataFrame with `enum_columns` decoded."""
    dataset = f[name]
    frame = pd.DataFrame(dataset[()])
    field_of = {column: column for column in frame.columns}  # column -> its field in the file
    if name in OLD_MODE_COLUMN and "mode" in frame.columns:
        frame = frame.rename(columns={"mode": OLD_MODE_COLUMN[name]})
        field_of[OLD_MODE_COLUMN[name]] = "mode"
    for column in enum_columns:
        mapping = h5py.check_enum_dtype(dataset.dtype[field_of.get(column, column)])  # {label: value}
        if mapping is None:
            raise ValueError(f"{path}: /{name} column '{column}' is not an enum")
        labels = sorted(mapping, key=mapping.get)
        if [mapping[label] for label in labels] != list(range(len(labels))):
            raise ValueError(f"{path}: /{name} column '{column}' has non-consecutive enum values")
        codes = frame[column].to_numpy()
        if len(codes) and codes.max() >= len(labels):
            raise ValueError(f"{path}: /{name} column '{column}' has a value outside its enum")
        frame[column] = pd.Categorical.from_codes(codes, categories=labels)
    return frame


def load_trips(path):
    """The /trips table as a DataFrame with the enum columns decoded to their names; files
    before version 4 get a transit_access column of zeros (every transit trip on foot)."""
    with h5py.File(path, "r") as f:
        trips = _load_table(path, f, "trips", ENUM_COLUMNS)
    if "transit_access" not in trips.columns:
        trips["transit_access"] = pd.Series(0, index=trips.index, dtype="uint8")
    return trips


def _decode_text(frame):
    """Columns of bytes (h5py's variable-length strings) as str columns, decoded as UTF-8."""
    for column in frame.columns:
        if frame[column].dtype == object and len(frame) and isinstance(frame[column].iloc[0], bytes):
            frame[column] = frame[column].map(lambda b: b.decode("utf-8") if isinstance(b, bytes) else b)
    return frame


def load_lookup(path, name):
    """A lookup table (zones, stops, lines, links) with its text columns as str."""
    with h5py.File(path, "r") as f:
        return _decode_text(pd.DataFrame(f["lookup/" + name][()]))


def _names(f, table):
    return [row["name"].decode() if isinstance(row["name"], bytes) else row["name"] for row in f[table][()]]


def load_lots(path):
    """The car parks and bike parks of a simulated day (/lots), one row per lot, with the
    stop's name and kind as "bike" or "car"; an empty table for files before version 4 and
    None for a static run."""
    with h5py.File(path, "r") as f:
        if "legs" not in f:
            return None
        if "lots" not in f:
            lots = pd.DataFrame({column: pd.Series(dtype="int64") for column in LOT_COLUMNS})
        else:
            lots = pd.DataFrame(f["lots"][()])
        stops = _names(f, "lookup/stops")
    lots["stop_name"] = [stops[s] for s in lots["stop"]]
    lots["kind"] = [LOT_KINDS.get(int(k), str(k)) for k in lots["kind"]]
    return lots


def transit_access_counts(trips):
    """Transit trips by access (walk, bike-and-ride, park-and-ride), every access listed."""
    transit = trips[trips["main_mode"] == "transit"]
    counts = transit["transit_access"].value_counts()
    return pd.Series([int(counts.get(i, 0)) for i in range(len(TRANSIT_ACCESS))], index=list(TRANSIT_ACCESS),
                     name="trips")


def load_legs(path):
    """The /legs table as a DataFrame with leg_mode decoded, or None for a static run (no /legs)."""
    with h5py.File(path, "r") as f:
        if "legs" not in f:
            return None
        return _load_table(path, f, "legs", LEG_ENUM_COLUMNS)


def legs_by_mode_text(legs):
    """The number of legs by mode (every mode, in value order), as text."""
    counts = legs["leg_mode"].value_counts(sort=False)
    lines = [f"{len(legs)} legs"]
    for mode, n in counts.items():
        lines.append(f"  {mode:<10}{n:8d}")
    return "\n".join(lines)


def transit_by_line(path):
    """Boardings, denied boardings and give-ups per line of a simulated day, from /transit_load,
    indexed by line name (every line of /lookup/lines, zeros where nothing ran); None for a
    static run. A give-up counts where the vehicle that left the rider for the last time ran;
    files before version 3 have no gave_up (zeros)."""
    with h5py.File(path, "r") as f:
        if "transit_load" not in f:
            return None
        load = pd.DataFrame(f["transit_load"][()])
        names = _names(f, "lookup/lines")
    if "gave_up" not in load.columns:
        load["gave_up"] = 0
    sums = load.groupby("line")[["boardings", "denied", "gave_up"]].sum()
    table = sums.reindex(range(len(names)), fill_value=0)
    table.index = pd.Index(names, name="line")
    return table.astype("int64")


def modal_split_text(trips, target=None):
    """The overall modal split and the split by group, in percent, as text."""
    total = len(trips)
    counts = trips["main_mode"].value_counts(sort=False)  # every mode, in value order
    lines = [f"{total} trips"]
    for mode, n in counts.items():
        share = 100.0 * n / total if total else 0.0
        lines.append(f"  {mode:<10}{share:6.1f} %  ({n})")
    sustainable = 100.0 * counts[list(SUSTAINABLE_MODES)].sum() / total if total else 0.0
    line = f"Sustainable share (walk + bike + transit): {sustainable:.1f} %"
    if target is not None:
        line += f" — target {100.0 * target:.1f} % — {'MET' if sustainable >= 100.0 * target else 'MISSED'}"
    lines.append(line)
    if total:
        # Groups without trips are left out; every mode keeps its column.
        by_group = pd.crosstab(trips["group"], trips["main_mode"], normalize="index")
        by_group = by_group.reindex(columns=trips["main_mode"].cat.categories, fill_value=0.0) * 100.0
        lines.append("")
        lines.append("By group (percent of the group's trips):")
        lines.append(by_group.round(1).to_string())
    return "\n".join(lines)


def main(argv):
    args = argv[1:]
    with_legs = "--legs" in args
    paths = [a for a in args if a != "--legs"]
    if len(paths) != 1 or any(p.startswith("--") for p in paths):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = paths[0]
    trips = load_trips(path)
    with h5py.File(path, "r") as f:
        scenario = f.attrs.get("scenario_name", "?")
        seed = f.attrs.get("seed", "?")
        target = f.attrs.get("target_sustainable_share")
    print(f"Modal split — {scenario} (seed {seed})")
    print(modal_split_text(trips, None if target is None else float(target)))
    if with_legs:
        legs = load_legs(path)
        print()
        print("no /legs: a static run" if legs is None else legs_by_mode_text(legs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
