#!/usr/bin/env python3
"""Writes a synthetic OpenStreetMap extract: an N x N grid of streets (about N*N nodes), for
the import benchmark. Every 10th street is primary, the others residential; a few oneways.

Usage: benchmarks/make_grid_osm.py N OUT.osm
"""
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    n, out = int(argv[1]), argv[2]
    lat0, lon0, step_lat, step_lon = 59.30, 18.00, 0.0009, 0.0017  # about 100 m blocks
    with open(out, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="flemsim benchmark">\n')
        f.write(f' <bounds minlat="{lat0:.7f}" minlon="{lon0:.7f}" maxlat="{lat0 + n * step_lat:.7f}" '
                f'maxlon="{lon0 + n * step_lon:.7f}"/>\n')
        for r in range(n):
            lat = lat0 + r * step_lat
            for c in range(n):
                f.write(f' <node id="{r * n + c + 1}" version="1" lat="{lat:.7f}" lon="{lon0 + c * step_lon:.7f}"/>\n')
        way = 1
        for r in range(n):  # rows: a way per block, so that every crossing is a node of two ways
            kind = "primary" if r % 10 == 0 else "residential"
            for c in range(n - 1):
                f.write(f' <way id="{way}" version="1"><nd ref="{r * n + c + 1}"/><nd ref="{r * n + c + 2}"/>'
                        f'<tag k="highway" v="{kind}"/></way>\n')
                way += 1
        for c in range(n):
            kind = "primary" if c % 10 == 0 else "residential"
            oneway = '<tag k="oneway" v="yes"/>' if c % 7 == 3 else ""
            refs = "".join(f'<nd ref="{r * n + c + 1}"/>' for r in range(n))
            f.write(f' <way id="{way}" version="1">{refs}<tag k="highway" v="{kind}"/>{oneway}</way>\n')
            way += 1
        f.write("</osm>\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
