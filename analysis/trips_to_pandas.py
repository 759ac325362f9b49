#!/usr/bin/env python3
"""Load the /trips table of a flemsim trip log into pandas and print its modal split.

Usage: python3 analysis/trips_to_pandas.py TRIPS.h5

The enum columns (group, purpose, mode, dest_activity) are stored as HDF5 enums over
uint8; they come back as categoricals with the labels of the file, in value order.
"""
import sys

import h5py
import pandas as pd

ENUM_COLUMNS = ("group", "purpose", "mode", "dest_activity")
SUSTAINABLE_MODES = ("walk", "bike", "transit")


def load_trips(path):
    """The /trips table as a DataFrame with the enum columns decoded to their names."""
    with h5py.File(path, "r") as f:
        dataset = f["trips"]
        frame = pd.DataFrame(dataset[()])
        for column in ENUM_COLUMNS:
            mapping = h5py.check_enum_dtype(dataset.dtype[column])  # {label: value}
            if mapping is None:
                raise ValueError(f"{path}: /trips column '{column}' is not an enum")
            labels = sorted(mapping, key=mapping.get)
            if [mapping[label] for label in labels] != list(range(len(labels))):
                raise ValueError(f"{path}: /trips column '{column}' has non-consecutive enum values")
            codes = frame[column].to_numpy()
            if len(codes) and codes.max() >= len(labels):
                raise ValueError(f"{path}: /trips column '{column}' has a value outside its enum")
            frame[column] = pd.Categorical.from_codes(codes, categories=labels)
    return frame


def modal_split_text(trips, target=None):
    """The overall modal split and the split by group, in percent, as text."""
    total = len(trips)
    counts = trips["mode"].value_counts(sort=False)  # every mode, in value order
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
        by_group = pd.crosstab(trips["group"], trips["mode"], normalize="index")
        by_group = by_group.reindex(columns=trips["mode"].cat.categories, fill_value=0.0) * 100.0
        lines.append("")
        lines.append("By group (percent of the group's trips):")
        lines.append(by_group.round(1).to_string())
    return "\n".join(lines)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = argv[1]
    trips = load_trips(path)
    with h5py.File(path, "r") as f:
        scenario = f.attrs.get("scenario_name", "?")
        seed = f.attrs.get("seed", "?")
        target = f.attrs.get("target_sustainable_share")
    print(f"Modal split — {scenario} (seed {seed})")
    print(modal_split_text(trips, None if target is None else float(target)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
