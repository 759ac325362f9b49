#!/usr/bin/env python3
"""Adds transit to a grid network folder (make_grid_osm.py SIDE, then `flemsim network build`),
for the region benchmarks with stops and lines. Writes a copy of SRC to DST with:

  --stops-every K   stops only: one at every K-th crossing of every K-th street (no lines);
  --lines           bus lines along every 10th street both ways (the primary streets), a stop
                    every 5 crossings, every 10 minutes from 05:00 to 24:00, on the road.

Either way every 5th stop has 20 bike stands and every 10th 100 car spaces.

Usage: benchmarks/add_grid_transit.py SRC DST SIDE (--stops-every K | --lines)
"""
import csv
import os
import shutil
import sys


def main(argv):
    if len(argv) != 5 and len(argv) != 6:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    src, dst, side = argv[1], argv[2], int(argv[3])
    if argv[4] == "--lines" and len(argv) == 5:
        every, lines_wanted = 5, True
    elif argv[4] == "--stops-every" and len(argv) == 6:
        every, lines_wanted = int(argv[5]), False
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    node_id = {}  # (row, column) -> node id (make_grid_osm.py numbers crossings row by row from 1)
    with open(os.path.join(src, "nodes.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            node_id[divmod(int(row["id"][1:]) - 1, side)] = row["id"]
    stops, lines = {}, []
    if lines_wanted:
        for kind in ("row", "col"):
            for i in range(0, side, 10):
                seq = []
                for j in range(0, side, every):
                    rc = (i, j) if kind == "row" else (j, i)
                    if rc not in node_id:
                        continue
                    stops.setdefault(rc, f"s{len(stops)}")
                    seq.append(stops[rc])
                if len(seq) >= 2:
                    lines.append((f"{kind}{i}", seq))
    else:
        for r in range(0, side, every):
            for c in range(0, side, every):
                if (r, c) in node_id:
                    stops[(r, c)] = f"s{len(stops)}"
    with open(os.path.join(dst, "stops.csv"), "w", encoding="utf-8") as f:
        f.write("id,name,node,bike_parking,car_parking\n")
        for k, (rc, sid) in enumerate(sorted(stops.items(), key=lambda x: int(x[1][1:]))):
            name = sid if lines_wanted else f"stop {k}"
            f.write(f"{sid},{name},{node_id[rc]},{20 if k % 5 == 0 else 0},{100 if k % 10 == 0 else 0}\n")
    if lines:
        with open(os.path.join(dst, "vehicles.csv"), "w", encoding="utf-8") as f:
            f.write("id,name,seated,standing\nbus,Bus,40,40\n")
        with open(os.path.join(dst, "lines.csv"), "w", encoding="utf-8") as f:
            f.write("id,name,mode,vehicle\n")
            for lid, _ in lines:
                f.write(f"{lid},Line {lid},bus,bus\n")
        with open(os.path.join(dst, "line_stops.csv"), "w", encoding="utf-8") as f:
            f.write("line,seq,stop,run_time_s,dwell_s\n")
            for lid, seq in lines:
                for k, sid in enumerate(seq):
                    f.write(f"{lid},{k + 1},{sid},{0 if k == 0 else 75},{0 if k == 0 else 20}\n")
        with open(os.path.join(dst, "headways.csv"), "w", encoding="utf-8") as f:
            f.write("line,from,to,headway_s\n")
            for lid, _ in lines:
                f.write(f"{lid},05:00:00,24:00:00,600\n")
    print(f"{len(stops)} stops, {len(lines)} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
