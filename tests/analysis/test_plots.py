#!/usr/bin/env python3
"""Checks analysis/plots.py on the hand-made sample trip log and a hand-written comparison.

Usage: test_plots.py SAMPLE.h5 WORKDIR

The sample (tests/output/write_sample_trip_log.cpp) has 5 trips departing 08:00, 08:01, ...
of 0.85, 1.7, 2.55, 3.4 and 4.25 km by walk, bike, transit, car and walk, with the bands
1, 3, 5, 10, 20 km. Every number below follows from that by hand.
"""
import pathlib
import sys

try:
    import matplotlib  # noqa: F401
    import pandas as pd
except ImportError as e:
    print(f"FAIL: {e} (install python3-matplotlib and python3-pandas; scripts/setup.sh does)")
    sys.exit(1)

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "analysis"))
import plots  # noqa: E402

sample, work = sys.argv[1], pathlib.Path(sys.argv[2])
work.mkdir(parents=True, exist_ok=True)
failures = []


def check(what, ok):
    if not ok:
        failures.append(what)


def png(path):
    return path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


plots.main(["distance-bands", sample, "--out", str(work / "bands.png")])
bands = pd.read_csv(work / "bands.csv", index_col=0)
check("bands figure", png(work / "bands.png"))
check("0-1 km all walk", bands.loc["0-1 km", "walk"] == 1.0 and bands.loc["0-1 km", "trips"] == 1)
check("1-3 km half bike, half transit", bands.loc["1-3 km", "bike"] == 0.5 and bands.loc["1-3 km", "transit"] == 0.5)
check("3-5 km half car, half walk", bands.loc["3-5 km", "car"] == 0.5 and bands.loc["3-5 km", "walk"] == 0.5)
check("no trips beyond 5 km", bands.loc["5-10 km":, "trips"].sum() == 0)

plots.main(["departures", sample, "--out", str(work / "departures.png")])
dep = pd.read_csv(work / "departures.csv", index_col=0)
check("departures figure", png(work / "departures.png"))
eight = dep[dep["hour"] == 8].iloc[0]
check("08 h: 2 walk, 1 bike, 1 transit, 1 car",
      (eight["walk"], eight["bike"], eight["transit"], eight["car"]) == (2, 1, 1, 1))
check("no departures outside 08 h", dep[dep["hour"] != 8][list(plots.MODES)].to_numpy().sum() == 0)

plots.main(["trip-lengths", sample, "--out", str(work / "lengths.png"), "--bin-km", "2"])
lengths = pd.read_csv(work / "lengths.csv", index_col=0)
check("lengths figure", png(work / "lengths.png"))
# 2 km bins: [0, 2) walk 0.85 and bike 1.7; [2, 4) transit 2.55 and car 3.4; [4, 6) walk 4.25.
check("bins", list(lengths["walk"]) == [1, 0, 1] and list(lengths["bike"]) == [1, 0, 0] and
      list(lengths["transit"]) == [0, 1, 0] and list(lengths["car"]) == [0, 1, 0])

(work / "compare.csv").write_text(
    "scenario,metric,n,mean,ci95_low,ci95_high,difference,difference_ci95_low,difference_ci95_high\n"
    "base,sustainable_share,3,0.6,0.55,0.65,,,\n"
    "base,share.walk,3,0.2,0.1,0.3,,,\n"
    "option,sustainable_share,3,0.72,0.7,0.74,0.12,0.1,0.14\n")
(work / "compare.json").write_text('{"target": 0.7}\n')
plots.main(["compare", str(work / "compare.csv"), "--out", str(work / "chart.png")])
chart = pd.read_csv(work / "chart.csv", index_col=0)
check("compare figure", png(work / "chart.png"))
check("compare: the sustainable share of each scenario",
      list(chart.index) == ["base", "option"] and list(chart["mean"]) == [0.6, 0.72] and
      chart.loc["option", "difference"] == 0.12)

if failures:
    print("FAIL: " + "; ".join(failures))
    sys.exit(1)
print("analysis plots: all checks passed")
