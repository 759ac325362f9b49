#!/usr/bin/env python3
"""Writes random route queries inside a bounding box, for the route benchmark.

Usage: benchmarks/make_queries.py COUNT MODE SOUTH,WEST,NORTH,EAST OUT.csv [SEED] [ORIGINS]
With ORIGINS, the queries start from that many distinct points (many destinations each).
"""
import random
import sys


def main(argv):
    if len(argv) < 5:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    count, mode, box, out = int(argv[1]), argv[2], [float(x) for x in argv[3].split(",")], argv[4]
    rng = random.Random(int(argv[5]) if len(argv) > 5 else 1)
    origins = int(argv[6]) if len(argv) > 6 else 0
    s, w, n, e = box
    points = [(rng.uniform(s, n), rng.uniform(w, e)) for _ in range(origins)]
    with open(out, "w", encoding="utf-8") as f:
        f.write("id,from_lat,from_lon,to_lat,to_lon,mode,departure\n")
        for i in range(count):
            a = points[i % origins] if origins else (rng.uniform(s, n), rng.uniform(w, e))
            f.write(f"q{i},{a[0]:.6f},{a[1]:.6f},{rng.uniform(s, n):.6f},{rng.uniform(w, e):.6f},{mode},08:00:00\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
