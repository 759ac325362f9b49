#!/usr/bin/env python3
"""The plots a researcher starts from, from a flemsim trip log or a comparison.

Usage:
  python3 analysis/plots.py distance-bands TRIPS.h5 --out bands.png
  python3 analysis/plots.py trip-lengths   TRIPS.h5 --out lengths.png [--bin-km 1]
  python3 analysis/plots.py departures     TRIPS.h5 --out departures.png
  python3 analysis/plots.py compare        compare.csv --out compare.png

Each writes the figure (PNG, or SVG/PDF by the extension) and, beside it, the numbers drawn
as CSV (same name, .csv), and prints them. distance-bands uses the bands stored in the trip
log (the scenario's report.distance_bands_km); compare draws the sustainable share of every
scenario with its 95 % interval and the target line, from `flemsim compare`'s compare.csv.
Needs Debian's python3-h5py, python3-pandas and python3-matplotlib.
"""
import argparse
import pathlib
import sys

import h5py
import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from trips_to_pandas import load_trips  # noqa: E402

MODES = ("walk", "bike", "transit", "car")
COLOURS = {"walk": "#4daf4a", "bike": "#377eb8", "transit": "#ff7f00", "car": "#7f7f7f"}


def band_labels(limits):
    lows = [0.0] + list(limits)
    labels = [f"{lo:g}-{hi:g} km" for lo, hi in zip(lows, limits)]
    return labels + [f"{limits[-1]:g}+ km"]


def distance_band_shares(trips, limits):
    """Mode shares (rows: bands, columns: modes; each row sums to 1) and trips per band.

    A trip of exactly a limit belongs to the band below it, as in flemsim's report."""
    km = trips["distance_m"].to_numpy() / 1000.0
    band = np.searchsorted(np.asarray(limits, dtype=float), km, side="left")
    labels = band_labels(limits)
    frame = pd.crosstab(pd.Categorical.from_codes(band, labels), trips["main_mode"].astype(str), dropna=False)
    frame = frame.reindex(index=labels, columns=list(MODES), fill_value=0)
    frame.index.name = "band"
    frame.columns.name = None
    totals = frame.sum(axis=1)
    shares = frame.div(totals.where(totals > 0, 1), axis=0)
    shares["trips"] = totals
    return shares


def trip_length_histogram(trips, bin_km):
    km = trips["distance_m"].to_numpy() / 1000.0
    top = max(bin_km, float(np.ceil(km.max() / bin_km) * bin_km)) if len(km) else bin_km
    edges = np.arange(0.0, top + bin_km, bin_km)
    out = pd.DataFrame({"from_km": edges[:-1], "to_km": edges[1:]})
    for m in MODES:
        out[m] = np.histogram(km[trips["main_mode"].astype(str).to_numpy() == m], bins=edges)[0]
    return out


def departure_profile(trips):
    hour = (trips["dep_time_s"].to_numpy() // 3600).astype(int)
    out = pd.DataFrame({"hour": np.arange(0, max(24, hour.max() + 1 if len(hour) else 24))})
    for m in MODES:
        out[m] = np.bincount(hour[trips["main_mode"].astype(str).to_numpy() == m], minlength=len(out))[: len(out)]
    return out


def comparison_shares(csv_path):
    frame = pd.read_csv(csv_path)
    rows = frame[frame["metric"] == "sustainable_share"].set_index("scenario")
    return rows[["n", "mean", "ci95_low", "ci95_high", "difference", "difference_ci95_low", "difference_ci95_high"]]


def save(fig, table, out):
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    table.to_csv(out.with_suffix(".csv"))
    print(table.to_string())
    print(f"wrote {out} and {out.with_suffix('.csv')}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("plot", choices=["distance-bands", "trip-lengths", "departures", "compare"])
    parser.add_argument("input", help="trips.h5, or compare.csv for 'compare'")
    parser.add_argument("--out", required=True, help="figure file (.png, .svg or .pdf)")
    parser.add_argument("--bin-km", type=float, default=1.0, help="bin width of trip-lengths")
    args = parser.parse_args(argv)

    if args.plot == "compare":
        table = comparison_shares(args.input)
        target = None
        fig, ax = plt.subplots(figsize=(8, 0.5 + 0.5 * len(table)))
        y = np.arange(len(table))
        err = np.vstack([table["mean"] - table["ci95_low"], table["ci95_high"] - table["mean"]]) * 100
        ax.barh(y, table["mean"] * 100, xerr=np.nan_to_num(err), color="#4daf4a", capsize=3)
        ax.set_yticks(y, table.index)
        ax.invert_yaxis()
        ax.set_xlabel("sustainable share, % (walk + bike + transit), 95 % interval over seeds")
        try:
            import json
            target = json.loads((pathlib.Path(args.input).parent / "compare.json").read_text())["target"]
        except (OSError, ValueError, KeyError):
            target = 0.7
        ax.axvline(target * 100, color="red", linestyle="--", label=f"target {target * 100:g} %")
        ax.legend(loc="lower right")
        save(fig, table, args.out)
        return 0

    trips = load_trips(args.input)
    with h5py.File(args.input, "r") as f:
        name = str(f.attrs.get("scenario_name", ""))
        limits = list(f.attrs.get("distance_bands_km", [1, 3, 5, 10, 20]))
    if args.plot == "distance-bands":
        table = distance_band_shares(trips, limits)
        fig, ax = plt.subplots(figsize=(8, 4))
        left = np.zeros(len(table))
        for m in MODES:
            ax.barh(table.index, table[m] * 100, left=left, color=COLOURS[m], label=m)
            left += table[m].to_numpy() * 100
        ax.invert_yaxis()
        ax.set_xlabel("share of trips, %")
        ax.set_title(f"{name}: modal split by distance band")
        ax.legend(ncol=4, loc="lower center", bbox_to_anchor=(0.5, -0.35))
    elif args.plot == "trip-lengths":
        table = trip_length_histogram(trips, args.bin_km)
        fig, ax = plt.subplots(figsize=(8, 4))
        for m in MODES:
            ax.step(table["from_km"], table[m], where="post", color=COLOURS[m], label=m)
        ax.set_xlabel("trip length, km")
        ax.set_ylabel("trips")
        ax.set_title(f"{name}: trip lengths by mode")
        ax.legend()
    else:
        table = departure_profile(trips)
        fig, ax = plt.subplots(figsize=(8, 4))
        bottom = np.zeros(len(table))
        for m in MODES:
            ax.bar(table["hour"], table[m], bottom=bottom, color=COLOURS[m], label=m, width=0.9)
            bottom += table[m].to_numpy()
        ax.set_xlabel("departure hour")
        ax.set_ylabel("trips")
        ax.set_title(f"{name}: departures by hour and mode")
        ax.legend()
    save(fig, table, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
