#!/usr/bin/env python3
"""Writes the generated part of the corpus of bad inputs (tests/bad_inputs/cases/gen).

Each case is a folder: the files it puts over its base (see run.py) and case.txt with the
command, the expected exit code and a regular expression the error must match. Most cases are
mutations of the test data: one column dropped, one value made wrong (a word where a number
goes, NaN, a negative, a dangling reference, a duplicate id), a table truncated. The positions
in the expected errors are computed here from the mutated line and field, so a message that
names the wrong place fails. Run it again after changing the test data; review the diff.

Hand-written cases live in tests/bad_inputs/cases/hand and are not touched here.
"""
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DATA = ROOT / "tests" / "data"
OUT = HERE / "cases" / "gen"

# Cases that fail today for reasons outside the parsers; each with why (see README.md).
EXPECTED_FAIL = {}

cases = []


def case(surface, name, files, args, exit_code, error, base=None, remove=(), note=""):
    cases.append(dict(surface=surface, name=name, files=files, args=args, exit=exit_code,
                      error=error, base=base, remove=list(remove), note=note))


def esc(path):
    return re.escape(path)


def field_column(fields, index):
    """1-based column of field `index` in a comma-joined line."""
    return sum(len(f) + 1 for f in fields[:index]) + 1


# ---------------------------------------------------------------- network tables
NET_TABLES = {
    "nodes.csv": dict(numeric=["x_m", "y_m"], refs={"zone": "zone"}, id="id"),
    "links.csv": dict(numeric=["length_m", "car_speed_kph", "lanes", "capacity_veh_per_h"],
                      refs={"from": "node", "to": "node"}, id="id",
                      enums={"modes": "walk|bike|tram", "oneway": "maybe"}),
    "zones.csv": dict(numeric=[], refs={"centroid_node": "node"}, id="id",
                      enums={"kind": "suburb", "modes": "walk|boat"}),
    "stops.csv": dict(numeric=[], refs={"node": "node"}, id="id"),
    "vehicles.csv": dict(numeric=["seated", "standing"], refs={}, id="id"),
    "lines.csv": dict(numeric=[], refs={"vehicle": "vehicle"}, id="id", enums={"mode": "ferry"}),
    "line_stops.csv": dict(numeric=["seq", "run_time_s", "dwell_s"], refs={"line": "line", "stop": "stop"}, id=None),
    "headways.csv": dict(numeric=["headway_s"], refs={"line": "line"}, id=None,
                         clocks=["from", "to"]),
}


def table_lines(name):
    return (DATA / "tiny" / name).read_text().splitlines()


def header_index(lines):
    return next(i for i, l in enumerate(lines) if l and not l.startswith("#"))


def first_car_row(name, lines, h):
    """The data row to mutate: for links the first car link, so that car columns matter."""
    for i in range(h + 1, len(lines)):
        if name != "links.csv" or "car" in lines[i].split(",")[5]:
            return i
    return h + 1


def net_case(name, table, new_lines, line_no, column=None, message=""):
    pos = f"{esc(table)}:{line_no}:" + (f"{column}:" if column else r"(\d+:)?")
    case("network_csv", name, {f"tiny/{table}": "\n".join(new_lines) + "\n"},
         "validate tiny.yaml", 1, pos + r" .*" + message, base="tiny")


def network_cases():
    for table, spec in NET_TABLES.items():
        stem = table[:-4]
        lines = table_lines(table)
        h = header_index(lines)
        header = lines[h].split(",")
        r = first_car_row(table, lines, h)
        row = lines[r].split(",")
        # Every column dropped from header and rows: the header names what is missing.
        for ci, col in enumerate(header):
            nl = list(lines)
            for i in range(h, len(nl)):
                if nl[i] and not nl[i].startswith("#"):
                    f = nl[i].split(",")
                    if len(f) > ci:
                        del f[ci]
                    nl[i] = ",".join(f)
            net_case(f"{stem}-missing-column-{col}", table, nl, h + 1, None, "")
        # Every column emptied in the mutated row.
        for ci, col in enumerate(header):
            if table == "nodes.csv" and col == "zone":
                continue  # optional by design
            if table == "links.csv" and col == "name":
                continue  # optional by design
            if table == "lines.csv" and col == "name":
                pass
            f = list(row)
            f[ci] = ""
            nl = list(lines)
            nl[r] = ",".join(f)
            net_case(f"{stem}-empty-{col}", table, nl, r + 1, field_column(f, ci), "")
        # Numbers: a word, NaN, infinity, a negative, an overflow.
        for col in spec["numeric"]:
            ci = header.index(col)
            for label, value in [("word", "abc"), ("nan", "nan"), ("inf", "inf"), ("negative", "-5"),
                                 ("overflow", "1e999"), ("trailing", "12x")]:
                if label == "negative" and col in ("x_m", "y_m"):
                    continue  # coordinates may be negative
                f = list(row)
                f[ci] = value
                nl = list(lines)
                nl[r] = ",".join(f)
                net_case(f"{stem}-{col}-{label}", table, nl, r + 1, field_column(f, ci), "")
        for col in spec.get("clocks", []):
            ci = header.index(col)
            for label, value in [("word", "noon"), ("minutes", "05:75:00"), ("negative", "-01:00:00")]:
                f = list(row)
                f[ci] = value
                nl = list(lines)
                nl[r] = ",".join(f)
                net_case(f"{stem}-{col}-{label}", table, nl, r + 1, field_column(f, ci), "")
        for col, value in spec.get("enums", {}).items():
            ci = header.index(col)
            f = list(row)
            f[ci] = value
            nl = list(lines)
            nl[r] = ",".join(f)
            net_case(f"{stem}-{col}-unknown-value", table, nl, r + 1, field_column(f, ci), "")
        # Dangling references.
        for col, kind in spec["refs"].items():
            ci = header.index(col)
            f = list(row)
            f[ci] = "nowhere"
            nl = list(lines)
            nl[r] = ",".join(f)
            net_case(f"{stem}-{col}-dangling", table, nl, r + 1, field_column(f, ci), "nowhere")
        # Duplicate id: the mutated row's id again in a copy of the row.
        if spec["id"]:
            nl = list(lines)
            nl.insert(r + 1, lines[r])
            net_case(f"{stem}-duplicate-id", table, nl, r + 2, 1, "")
        # Row shapes: a field short, a field too many, an unknown column, header only, empty file,
        # a row cut in the middle (a truncated file).
        nl = list(lines)
        nl[r] = ",".join(row[:-1])
        net_case(f"{stem}-short-row", table, nl, r + 1, None, "")
        nl = list(lines)
        nl[r] = lines[r] + ",extra"
        net_case(f"{stem}-long-row", table, nl, r + 1, None, "")
        nl = list(lines)
        nl[h] = lines[h] + ",colour"
        nl = [l + ("," if i > h and l and not l.startswith("#") else "") for i, l in enumerate(nl)]
        net_case(f"{stem}-unknown-column", table, nl, h + 1, None, "colour")
        nl = list(lines[: r]) + [lines[r][: max(1, len(lines[r]) // 2)]]
        net_case(f"{stem}-truncated", table, nl, r + 1, None, "")
        nl = list(lines)
        nl[r] = lines[r].replace(",", ";")
        net_case(f"{stem}-semicolons", table, nl, r + 1, None, "")
        case("network_csv", f"{stem}-empty-file", {f"tiny/{table}": ""}, "validate tiny.yaml", 1,
             esc(table) + r".*", base="tiny")
        case("network_csv", f"{stem}-missing-file", {}, "validate tiny.yaml", 1, esc(table) + r".*missing",
             base="tiny", remove=[f"tiny/{table}"])
        case("network_csv", f"{stem}-binary", {f"tiny/{table}": "\x00\x01\x02garbage\xff\n"},
             "validate tiny.yaml", 1, esc(table) + r":1:", base="tiny")
    # network.yaml
    header = (DATA / "tiny" / "network.yaml").read_text().splitlines()
    for label, (old, new) in {
        "format-2": ("format: 1", "format: 2"),
        "format-word": ("format: 1", "format: one"),
        "origin-lat-word": ("origin_lat: 59.2180", "origin_lat: north"),
        "origin-lat-out-of-range": ("origin_lat: 59.2180", "origin_lat: 123"),
        "origin-lon-nan": ("origin_lon: 17.9457", "origin_lon: .nan"),
        "unknown-key": ("description:", "descripton:"),
        "projection-scalar": ("projection:", "projection: 5\nx:"),
    }.items():
        idx = next(i for i, l in enumerate(header) if old in l)
        nl = list(header)
        nl[idx] = nl[idx].replace(old, new)
        case("network_csv", f"network-yaml-{label}", {"tiny/network.yaml": "\n".join(nl) + "\n"},
             "validate tiny.yaml", 1, rf"network\.yaml:{idx + 1}:\d+: ", base="tiny")
    case("network_csv", "network-yaml-bad-syntax", {"tiny/network.yaml": "format: [1\nname: x\n"},
         "validate tiny.yaml", 1, r"network\.yaml:\d+:\d+: ", base="tiny")


# ---------------------------------------------------------------- scenario files
def scenario_cases():
    text = (DATA / "tiny.yaml").read_text().splitlines()

    def mutate(label, old, new, message="", occurrence=0, line_shift=0, line_of=None):
        hits = [i for i, l in enumerate(text) if old in l]
        idx = hits[occurrence]
        nl = list(text)
        nl[idx] = nl[idx].replace(old, new, 1)
        # A missing required key is reported at the start of its mapping (line_of).
        line = (text.index(line_of) if line_of else idx) + 1 + line_shift
        case("scenario", label, {"s.yaml": "\n".join(nl) + "\n"}, "validate s.yaml", 1,
             rf"s\.yaml:{line}:\d+: .*" + message, base="tiny")

    numbers = {
        "seed": ("seed: 42", ["-1", "abc", "1.5", "99999999999999999999999"]),
        "threads": ("threads: 0", ["-2", "many"]),
        "compression": ("compression_level: 4", ["10", "-1", "x"]),
        "chunk-rows": ("chunk_rows: 4096", ["0", "-5"]),
        "target": ("sustainable_share: 0.70", ["1.5", "-0.1", ".nan", "seventy"]),
        "residents": ("residents: 300", ["-300", "many", ".inf"]),
        "scale": ("scale: 1.0", ["0", "-1", ".nan"]),
        "employment-rate": ("employment_rate: 0.5", ["1.5", "-0.5"]),
        "car-availability": ("car_availability: 0.5", ["2"]),
        "walk-speed": ("speed_mps: 1.3", ["0", "-1.3", ".inf", "fast"]),
        "max-wait": ("max_wait_s: 1800", ["-300"]),
        "fare": ("fare_sek: 40", ["-40"]),
        "end-time": ('end_time: "36:00:00"', ['end_time: "noon"', 'end_time: "12:00:00"', "end_time: 5"]),
        "capacity-factor": ("capacity_factor: 1.0", ["0", "-1"]),
        "stuck-time": ("stuck_time_s: 300", ["-1"]),
        "iterations-max": ("max: 4", ["-1", "0.5"]),
        "replanning-share": ("replanning_share: 0.2", ["1.2"]),
        "duration-sd": ("sd: 1.0", ["-1.0"]),
        "beta-transfer": ("transfer: -0.3", ["lots"]),
        "vehicle-length": ("vehicle_length_m: 7.5", ["0"]),
    }
    for key, (old, values) in numbers.items():
        k, v = old.split(": ", 1)
        for value in values:
            new = value if value.startswith(k) else f"{k}: {value}"
            label = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"
            mutate(f"{key}-{label}", old, new)
    # Wrong shapes.
    mutate("profile-short", "departure_profile: [0, 0, 0, 0, 0, 1, 4, 10, 10, 4, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]",
           "departure_profile: [0, 0, 0, 1]")
    mutate("profile-all-zero", "departure_profile: [0, 0, 0, 0, 0, 1, 4, 10, 10, 4, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]",
           "departure_profile: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]")
    mutate("profile-negative", "departure_profile: [0, 0, 0, 0, 0, 1, 4, 10, 10, 4, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]",
           "departure_profile: [0, 0, 0, 0, 0, 1, 4, 10, 10, 4, 2, 1, 1, 1, 1, -1, 1, 1, 0, 0, 0, 0, 0, 0]")
    mutate("profile-map", "departure_profile: [0, 0, 0, 0, 0, 1, 4, 10, 10, 4, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]",
           "departure_profile: {a: 1}")
    mutate("bands-scalar", "distance_bands_km: [1, 3, 5, 10, 20]", "distance_bands_km: 5")
    mutate("bands-unsorted", "distance_bands_km: [1, 3, 5, 10, 20]", "distance_bands_km: [1, 5, 3, 10, 20]")
    mutate("land-use-unknown-zone", "west: {residents: 300", "nowhere: {residents: 300")
    mutate("land-use-typo", "jobs: 20,", "jobz: 20,")
    mutate("parking-unknown-zone", "parking_sek: {east: 20}", "parking_sek: {nowhere: 20}")
    mutate("asc-unknown-mode", "asc: {walk: 0.0", "asc: {walk: 0.0, boat: 1")
    mutate("asc-by-group-unknown", "student: {car: -1.0}", "pupil: {car: -1.0}")
    mutate("attributes-typo", "resident: {car_availability: 0.5", "resident: {car_availibility: 0.5")
    mutate("name-list", "name: tiny", "name: [a, b]")
    mutate("year-word", "year: 2020", "year: soon")
    mutate("network-missing", "network: tiny", "network: nowhere", message="nowhere")
    mutate("network-map", "network: tiny", "network: {a: 1}")
    mutate("simulation-enabled-word", "enabled: true", "enabled: perhaps")
    mutate("top-level-typo", "seed: 42", "sede: 42", line_of="name: tiny")
    mutate("walk-speed-map", "speed_mps: 1.3", "speed_mps: {a: 1}")
    mutate("duplicate-key", "seed: 42", "seed: 42\nseed: 43", line_shift=1)
    # Whole-file problems.
    nl = [l for l in text if not l.startswith("seed:")]
    case("scenario", "missing-seed", {"s.yaml": "\n".join(nl) + "\n"}, "validate s.yaml", 1,
         r"s\.yaml:\d+:\d+: .*seed", base="tiny")
    nl = [l for l in text if not l.startswith("network:")]
    case("scenario", "missing-network", {"s.yaml": "\n".join(nl) + "\n"}, "validate s.yaml", 1,
         r"s\.yaml:\d+:\d+: .*network", base="tiny")
    case("scenario", "truncated", {"s.yaml": "\n".join(text[:20]) + "\n"}, "validate s.yaml", 1,
         r"s\.yaml:\d+:\d+: ", base="tiny")
    case("scenario", "truncated-mid-flow", {"s.yaml": "\n".join(text[:17]) + "\n  east: {residents: 100, jo\n"},
         "validate s.yaml", 1, r"s\.yaml:\d+:\d+: ", base="tiny")
    case("scenario", "empty", {"s.yaml": ""}, "validate s.yaml", 1, r"s\.yaml", base="tiny")
    case("scenario", "scalar-document", {"s.yaml": "hello\n"}, "validate s.yaml", 1, r"s\.yaml:1:\d+: ", base="tiny")
    case("scenario", "list-document", {"s.yaml": "- a\n- b\n"}, "validate s.yaml", 1, r"s\.yaml:1:\d+: ", base="tiny")
    case("scenario", "tab-indent", {"s.yaml": "name: x\nmodes:\n\twalk: {speed_mps: 1}\n"}, "validate s.yaml", 1,
         r"s\.yaml:3:\d+: ", base="tiny")
    case("scenario", "unclosed-bracket", {"s.yaml": "name: x\nreport:\n  distance_bands_km: [1, 3\n"},
         "validate s.yaml", 1, r"s\.yaml:\d+:\d+: ", base="tiny")
    case("scenario", "binary", {"s.yaml": "\x00\x01\x02\xff\xfe"}, "validate s.yaml", 1, r"s\.yaml", base="tiny")
    case("scenario", "missing-file", {}, "validate nowhere.yaml", 1, r"nowhere\.yaml", base="tiny")
    case("scenario", "folder-not-file", {"d/x.txt": "x\n"}, "validate d", 1, r"error: .*d", base="tiny")
    # A node that contains itself through an alias, and nesting deeper than the reader recurses.
    case("scenario", "alias-cycle-map", {"s.yaml": "name: x\nreport: &r\n  again: *r\n"}, "validate s.yaml", 1,
         r"s\.yaml:3:10: .*alias.*contains it", base="tiny")
    case("scenario", "alias-cycle-seq", {"s.yaml": "name: x\nreport:\n  distance_bands_km: &b [1, *b]\n"},
         "validate s.yaml", 1, r"s\.yaml:3:29: .*alias.*contains it", base="tiny")
    case("scenario", "nested-flow-5000", {"s.yaml": "name: x\nreport: " + "[" * 5000 + "]" * 5000 + "\n"},
         "validate s.yaml", 1, r"s\.yaml:2:\d+: .*nested more than 64 levels", base="tiny")
    case("scenario", "alias-chain-deep", {"s.yaml": "name: x\n" + "".join(
        f"a{k}: &a{k} " + "[" * 40 + (f"*a{k - 1}" if k else "") + "]" * 40 + "\n" for k in range(200))},
         "validate s.yaml", 1, r"s\.yaml:3:49: .*alias nests .* more than 64 levels", base="tiny")
    case("scenario", "nested-block-100", {"s.yaml": "name: x\nreport:\n" +
                                          "".join("  " * (i + 1) + f"k{i}:\n" for i in range(100))},
         "validate s.yaml", 1, r"s\.yaml:\d+:\d+: .*nested more than 64 levels", base="tiny")

    # extends / include.
    ext = "extends: tiny.yaml\nname: variant\n"
    case("extends", "missing-base", {"s.yaml": "extends: nowhere.yaml\nname: v\n"}, "validate s.yaml", 1,
         r"s\.yaml:1:\d+: .*nowhere", base="tiny")
    case("extends", "self", {"s.yaml": "extends: s.yaml\nname: v\n"}, "validate s.yaml", 1, r"s\.yaml:1:\d+: ",
         base="tiny")
    case("extends", "cycle", {"a.yaml": "extends: b.yaml\nname: a\n", "b.yaml": "extends: a.yaml\nname: b\n"},
         "validate a.yaml", 1, r"[ab]\.yaml:1:\d+: ", base="tiny")
    case("extends", "list", {"s.yaml": "extends: [tiny.yaml]\nname: v\n"}, "validate s.yaml", 1, r"s\.yaml:1:\d+: ",
         base="tiny")
    case("extends", "bad-value-in-variant", {"s.yaml": ext + "modes:\n  transit:\n    max_wait_s: -300\n"},
         "validate s.yaml", 1, r"s\.yaml:5:17: .*max_wait_s", base="tiny")
    case("extends", "typo-in-variant", {"s.yaml": ext + "modes:\n  walk:\n    sped_mps: 1.4\n"}, "validate s.yaml", 1,
         r"s\.yaml:5:5: .*sped_mps.*speed_mps", base="tiny")
    case("extends", "bad-base", {"s.yaml": "extends: base.yaml\nname: v\n",
                                 "base.yaml": "extends: tiny.yaml\nseed: -4\n"}, "validate s.yaml", 1,
         r"base\.yaml:2:\d+: .*seed", base="tiny")
    case("extends", "base-syntax-error", {"s.yaml": "extends: base.yaml\nname: v\n", "base.yaml": "a: [\n"},
         "validate s.yaml", 1, r"base\.yaml:\d+:\d+: ", base="tiny")
    case("extends", "include-missing", {"s.yaml": ext + "include: [nowhere.yaml]\n"}, "validate s.yaml", 1,
         r"s\.yaml:3:\d+: .*nowhere", base="tiny")
    case("extends", "include-bad-value", {"s.yaml": ext + "include: [f.yaml]\n",
                                          "f.yaml": "mode_choice:\n  asc: {walk: fast}\n"},
         "validate s.yaml", 1, r"f\.yaml:2:\d+: ", base="tiny")
    case("extends", "include-self", {"s.yaml": ext + "include: [s.yaml]\n"}, "validate s.yaml", 1, r"s\.yaml:\d+:\d+: ",
         base="tiny")
    case("extends", "include-map", {"s.yaml": ext + "include: {a: 1}\n"}, "validate s.yaml", 1, r"s\.yaml:3:\d+: ",
         base="tiny")
    case("extends", "include-cycle", {"s.yaml": ext + "include: [f.yaml]\n", "f.yaml": "include: [s.yaml]\n"},
         "validate s.yaml", 1, r"[sf]\.yaml:\d+:\d+: ", base="tiny")
    # --set overrides.
    for label, assignment, pattern in [
        ("typo", "modes.walk.sped_mps=1.4", r"--set modes\.walk\.sped_mps=1\.4: .*speed_mps"),
        ("negative", "modes.walk.speed_mps=-1", r"--set modes\.walk\.speed_mps=-1: "),
        ("word", "seed=abc", r"--set seed=abc: "),
        ("no-equals", "seed", r"--set seed"),
        ("empty-key", "=5", r"--set =5"),
        ("empty-value", "modes.walk.speed_mps=", r"--set modes\.walk\.speed_mps="),
        ("into-scalar", "seed.x=1", r"--set seed\.x=1"),
        ("bad-yaml", "report.distance_bands_km=[1,", r"--set report\.distance_bands_km"),
        ("unknown-zone", "land_use.nowhere.residents=5", r"--set land_use\.nowhere\.residents=5"),
        ("nan", "population.scale=.nan", r"--set population\.scale=\.nan"),
        ("double-dot", "modes..walk=1", r"--set modes\.\.walk=1"),
        ("list-for-number", "population.scale=[1,2]", r"--set population\.scale="),
    ]:
        case("set", label, {}, f"validate tiny.yaml --set '{assignment}'", 1, pattern, base="tiny")


# ---------------------------------------------------------------- network patches
def patch_cases():
    head = "extends: tiny.yaml\nname: patched\nnetwork_patch:\n"
    items = {
        "add-link-dangling-from": "  add_links:\n    - {id: x1, from: nowhere, to: a1, modes: walk}\n",
        "add-link-duplicate-id": "  add_links:\n    - {id: l01, from: a0, to: a1, modes: walk}\n",
        "add-link-bad-mode": "  add_links:\n    - {id: x1, from: a0, to: a1, modes: walk|boat}\n",
        "add-link-negative-length": "  add_links:\n    - {id: x1, from: a0, to: a1, modes: walk, length_m: -5}\n",
        "add-link-unknown-key": "  add_links:\n    - {id: x1, from: a0, to: a1, modes: walk, colour: red}\n",
        "add-link-missing-id": "  add_links:\n    - {from: a0, to: a1, modes: walk}\n",
        "add-link-scalar": "  add_links: 5\n",
        "add-link-car-no-speed": "  add_links:\n    - {id: x1, from: a0, to: a1, modes: car, car_speed_kph: -10}\n",
        "remove-unknown-link": "  remove_links: [nowhere]\n",
        "remove-link-map": "  remove_links: {a: 1}\n",
        "change-unknown-link": "  change_links:\n    nowhere: {car_speed_kph: 30}\n",
        "change-link-word": "  change_links:\n    l01: {car_speed_kph: fast}\n",
        "change-link-unknown-attr": "  change_links:\n    l01: {colour: red}\n",
        "add-node-duplicate": "  add_nodes:\n    - {id: a0, x_m: 0, y_m: 0}\n",
        "add-node-nan": "  add_nodes:\n    - {id: n9, x_m: .nan, y_m: 0}\n",
        "add-stop-dangling-node": "  add_stops:\n    - {id: s9, name: S, node: nowhere}\n",
        "add-line-unknown-stop": "  add_lines:\n    - {id: b9, name: B, mode: bus, vehicle: train, stops: [st_west, nowhere], run_times_s: [60], headways: [{from: '06:00:00', to: '09:00:00', headway_s: 600}]}\n",
        "add-line-unknown-vehicle": "  add_lines:\n    - {id: b9, name: B, mode: bus, vehicle: bus, stops: [st_west, st_east], run_times_s: [60], headways: [{from: '06:00:00', to: '09:00:00', headway_s: 600}]}\n",
        "add-line-bad-mode": "  add_lines:\n    - {id: b9, name: B, mode: ferry, vehicle: train, stops: [st_west, st_east], run_times_s: [60], headways: [{from: '06:00:00', to: '09:00:00', headway_s: 600}]}\n",
        "change-headways-unknown-line": "  change_headways:\n    nowhere: [{from: '06:00:00', to: '09:00:00', headway_s: 600}]\n",
        "change-headways-negative": "  change_headways:\n    r1: [{from: '06:00:00', to: '09:00:00', headway_s: -600}]\n",
        "change-headways-bad-clock": "  change_headways:\n    r1: [{from: '6 am', to: '09:00:00', headway_s: 600}]\n",
        "change-headways-reversed": "  change_headways:\n    r1: [{from: '09:00:00', to: '06:00:00', headway_s: 600}]\n",
        "unknown-section": "  add_bridges: []\n",
        "patch-scalar": None,
        "add-vehicle-negative-seats": "  add_vehicles:\n    - {id: v9, name: V, seated: -1, standing: 0}\n",
        "add-node-alias-cycle": "  add_nodes:\n    - &n {id: n9, x_m: 0, y_m: *n}\n",
    }
    for label, body in items.items():
        text = head + body if body is not None else "extends: tiny.yaml\nname: patched\nnetwork_patch: 5\n"
        case("patch", label, {"s.yaml": text}, "validate s.yaml", 1, r"s\.yaml:\d+:\d+: ", base="tiny")


# ---------------------------------------------------------------- route queries
def route_cases():
    header = "id,from_lat,from_lon,to_lat,to_lon,mode,departure"
    good = "q1,59.2180,17.9457,59.2180,17.9560,walk,08:00:00"
    fields = good.split(",")
    bad_values = {
        "from_lat": ["north", "nan", "95", "-91"], "from_lon": ["east", "200"], "to_lat": ["", "inf"],
        "to_lon": ["1e999"], "mode": ["boat", "", "Walk"], "departure": ["8", "25:99:00", "noon", "-01:00:00"],
        "id": [""],
    }
    cols = header.split(",")
    for col, values in bad_values.items():
        ci = cols.index(col)
        for v in values:
            f = list(fields)
            f[0] = "q2"
            f[ci] = v
            label = re.sub(r"[^a-z0-9]+", "-", v.lower()).strip("-") or "empty"
            case("route_queries", f"{col}-{label}", {"q.csv": f"{header}\n{good}\n" + ",".join(f) + "\n"},
                 "route --network tiny --queries q.csv --output routes.csv", 1,
                 rf"q\.csv:3:{field_column(f, ci)}: ", base="tiny")
    for ci, col in enumerate(cols):
        h = ",".join(c for c in cols if c != col)
        row = ",".join(v for i, v in enumerate(fields) if i != ci)
        case("route_queries", f"missing-column-{col}", {"q.csv": f"{h}\n{row}\n"},
             "route --network tiny --queries q.csv --output routes.csv", 1, rf"q\.csv:1:(\d+:)? .*{col}", base="tiny")
    for label, text, pattern in [
        ("duplicate-id", f"{header}\n{good}\n{good}\n", r"q\.csv:3:1: "),
        ("short-row", f"{header}\n{good}\nq2,59.2,17.9\n", r"q\.csv:3:(\d+:)? "),
        ("long-row", f"{header}\n{good},x\n", r"q\.csv:2:(\d+:)? "),
        ("empty-file", "", r"q\.csv"),
        ("header-only", f"{header}\n", r"q\.csv"),
        ("unknown-column", f"{header},colour\n{good},red\n", r"q\.csv:1:\d+: .*colour"),
        ("binary", "\x00\x01\xff\n", r"q\.csv:1:"),
        ("missing-file", None, r"nowhere\.csv"),
    ]:
        files = {"q.csv": text} if text is not None else {}
        qfile = "q.csv" if text is not None else "nowhere.csv"
        case("route_queries", label, files, f"route --network tiny --queries {qfile} --output routes.csv", 1, pattern,
             base="tiny")
    case("route_queries", "network-missing", {"q.csv": f"{header}\n{good}\n"},
         "route --network nowhere --queries q.csv --output routes.csv", 1, r"nowhere", base="tiny")
    case("route_queries", "network-bad-links", {"q.csv": f"{header}\n{good}\n",
                                                "tiny/links.csv": "id,from,to\nx,a0,a1\n"},
         "route --network tiny --queries q.csv --output routes.csv", 1, r"links\.csv:1:", base="tiny")


# ---------------------------------------------------------------- sweep files
def sweep_cases():
    good = ["name: s", "scenarios: [tiny.yaml]", "grid:", "  population.scale: [0.5, 1]", "seeds: 2",
            "master_seed: 7", "output: out"]

    def mutate(label, idx, new, extra_files=None):
        nl = list(good)
        if new is None:
            del nl[idx]
            line = None
        else:
            nl[idx] = new
            line = idx + 1
        files = {"sweep.yaml": "\n".join(nl) + "\n"}
        files.update(extra_files or {})
        pattern = rf"sweep\.yaml:{line}:\d+: " if line else r"sweep\.yaml:\d+:\d+: "
        case("sweep", label, files, "sweep sweep.yaml --slurm job.sbatch", 1, pattern, base="tiny")

    mutate("missing-scenario-file", 1, "scenarios: [nowhere.yaml]")
    mutate("scenarios-empty", 1, "scenarios: []")
    mutate("scenarios-scalar", 1, "scenarios: 5")
    mutate("grid-scalar", 3, "  population.scale: 0.5")
    mutate("grid-empty-list", 3, "  population.scale: []")
    mutate("grid-bad-value", 3, "  population.scale: [-1, 1]")
    mutate("grid-unknown-key", 3, "  population.scael: [0.5, 1]")
    mutate("seeds-zero", 4, "seeds: 0")
    mutate("seeds-negative", 4, "seeds: -2")
    mutate("seeds-word", 4, "seeds: two")
    mutate("seeds-huge", 4, "seeds: 100000000000")
    mutate("master-seed-negative", 5, "master_seed: -7")
    mutate("master-seed-word", 5, "master_seed: x")
    mutate("output-list", 6, "output: [a]")
    mutate("unknown-key", 0, "nmae: s")
    mutate("missing-scenarios", 1, None)
    mutate("missing-seeds", 4, None)
    mutate("base-invalid", 1, "scenarios: [bad.yaml]", {"bad.yaml": "extends: tiny.yaml\nseed: -1\n"})
    mutate("set-typo", 2, "set: {modes.walk.sped_mps: 1.4}\ngrid:")
    case("sweep", "list-and-grid-bad", {"sweep.yaml": "\n".join(good) + "\nlist: 5\n"},
         "sweep sweep.yaml --slurm job.sbatch", 1, r"sweep\.yaml:8:\d+: ", base="tiny")
    case("sweep", "bad-syntax", {"sweep.yaml": "name: [s\n"}, "sweep sweep.yaml --slurm job.sbatch", 1,
         r"sweep\.yaml:\d+:\d+: ", base="tiny")
    case("sweep", "empty", {"sweep.yaml": ""}, "sweep sweep.yaml --slurm job.sbatch", 1, r"sweep\.yaml", base="tiny")
    case("sweep", "missing-file", {}, "sweep nowhere.yaml --slurm job.sbatch", 1, r"nowhere\.yaml", base="tiny")


# ---------------------------------------------------------------- OSM and GTFS
def osm_cases():
    grid = (DATA / "osm" / "grid.osm").read_text()
    lines = grid.splitlines()
    cmd = "network build --osm x.osm --grid-m 500 --output net"
    variants = {
        "truncated-half": "\n".join(lines[: len(lines) // 2]) + "\n",
        "truncated-mid-tag": grid[: len(grid) // 2],
        "not-xml": "this is not xml\n",
        "empty": "",
        "no-ways": "\n".join(l for l in lines if "<way" not in l and "<nd" not in l and "<tag" not in l
                             and "</way" not in l) + "\n",
        "node-lat-word": grid.replace('lat="59.9990000"', 'lat="north"', 1),
        "node-lat-out-of-range": grid.replace('lat="59.9990000"', 'lat="99.0"', 1),
        "unclosed-way": grid.replace("</way>", "", 1),
        "wrong-root": grid.replace("<osm ", "<xsm ", 1).replace("</osm>", "</xsm>"),
        "binary": "\x00\x01\x02\xff",
        "bad-entity": grid.replace("<bounds", "&nonsense;<bounds", 1),
    }
    for label, text in variants.items():
        case("osm", label, {"x.osm": text}, cmd, 1, r"x\.osm", base=None)
    # A huge exponent (found by fuzz_osm): refused, with its place, before libosmium's parser
    # multiplies it past 64 bits.
    case("osm", "node-lat-exponent", {"x.osm": grid.replace('lat="59.9990000"', 'lat="59.e99"', 1)}, cmd, 1,
         r"x\.osm:\d+:\d+: malformed OSM XML: coordinate '59\.e99' is not a number of degrees", base=None)
    case("osm", "missing-file", {}, cmd.replace("x.osm", "nowhere.osm"), 1, r"nowhere\.osm")
    case("osm", "unknown-extension", {"x.txt": grid}, cmd.replace("x.osm", "x.txt"), 1, r"x\.txt")
    case("osm", "pbf-garbage", {"x.osm.pbf": "garbage"}, cmd.replace("x.osm", "x.osm.pbf"), 1, r"x\.osm\.pbf")
    case("osm", "gz-garbage", {"x.osm.gz": "garbage"}, cmd.replace("x.osm", "x.osm.gz"), 1, r"x\.osm\.gz")
    case("osm", "bbox-outside", {"x.osm": grid}, "network build --osm x.osm --bbox 10,10,11,11 --output net", 1,
         r"x\.osm|area|nodes")


def gtfs_cases():
    feed = DATA / "gtfs" / "bus_line"
    cmd = "network build --osm grid.osm --gtfs feed --service-date 2024-04-08 --grid-m 500 --output net"
    specs = {
        "stops.txt": dict(numeric=["stop_lat", "stop_lon"], refs={}, id="stop_id"),
        "routes.txt": dict(numeric=["route_type"], refs={"agency_id": "agency"}, id="route_id"),
        "trips.txt": dict(numeric=["direction_id"], refs={"route_id": "route", "service_id": "service"}, id="trip_id"),
        "stop_times.txt": dict(numeric=["stop_sequence"], refs={"trip_id": "trip", "stop_id": "stop"}, id=None,
                               clocks=["arrival_time", "departure_time"]),
        "calendar.txt": dict(numeric=["monday", "start_date", "end_date"], refs={}, id="service_id"),
    }
    for table, spec in specs.items():
        stem = table[:-4]
        lines = (feed / table).read_text().splitlines()
        header = lines[0].split(",")
        row = lines[1].split(",")

        def put(label, nl, line, column):
            pos = rf"{esc(table)}:{line}:" + (f"{column}:" if column else "")
            case("gtfs", f"{stem}-{label}", {f"feed/{table}": "\n".join(nl) + "\n"}, cmd, 1, pos, base="gtfs")

        for col in [c for c in header if c in ("stop_id", "stop_lat", "stop_lon", "route_id", "route_type",
                                                 "trip_id", "service_id", "arrival_time", "stop_sequence",
                                                 "monday", "start_date", "end_date")]:
            ci = header.index(col)
            nl = [",".join(f for i, f in enumerate(l.split(",")) if i != ci) for l in lines]
            put(f"missing-column-{col}", nl, 1, None)
        for col in spec["numeric"] + spec.get("clocks", []):
            ci = header.index(col)
            for label, value in [("word", "abc"), ("nan", "nan"), ("negative", "-5")]:
                if col in ("stop_lat", "stop_lon") and label == "negative":
                    value, label = ("95", "out-of-range") if col == "stop_lat" else ("200", "out-of-range")
                f = list(row)
                f[ci] = value
                put(f"{col}-{label}", [lines[0], ",".join(f)] + lines[2:], 2, field_column(f, ci))
        for col in spec["refs"]:
            ci = header.index(col)
            f = list(row)
            f[ci] = "nowhere"
            put(f"{col}-dangling", [lines[0], ",".join(f)] + lines[2:], 2, field_column(f, ci))
        if spec["id"]:
            put("duplicate-id", [lines[0], lines[1], lines[1]] + lines[2:], 3, field_column(row, header.index(spec["id"])))
        put("short-row", [lines[0], ",".join(row[:2])] + lines[2:], 2, None)
        put("unterminated-quote", [lines[0], '"' + lines[1]] + lines[2:], 2, None)
        case("gtfs", f"{stem}-missing-file", {}, cmd, 1, esc(table), base="gtfs", remove=[f"feed/{table}"])
    case("gtfs", "no-service-on-date", {}, cmd.replace("2024-04-08", "2030-01-01"), 1, r"2030|service|trip",
         base="gtfs")
    case("gtfs", "service-date-invalid", {}, cmd.replace("2024-04-08", "2024-02-30"), 1, r"2024-02-30", base="gtfs")
    case("gtfs", "service-date-word", {}, cmd.replace("2024-04-08", "tomorrow"), 1, r"tomorrow", base="gtfs")
    case("gtfs", "feed-missing", {}, cmd.replace("--gtfs feed", "--gtfs nowhere"), 1, r"nowhere", base="gtfs")
    case("gtfs", "zip-garbage", {"feed.zip": "not a zip"}, cmd.replace("--gtfs feed", "--gtfs feed.zip"), 1,
         r"feed\.zip", base="gtfs")
    case("gtfs", "stop-times-backwards", {"feed/stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                                          "T0700,07:10:00,07:10:00,A,1\nT0700,07:04:00,07:04:30,B,2\n"},
         cmd, 1, r"stop_times\.txt:3:", base="gtfs")


# ---------------------------------------------------------------- command line
def cli_cases():
    for label, args, code, pattern in [
        ("no-subcommand", "", 2, r""),
        ("unknown-subcommand", "fly", 2, r"fly|subcommand"),
        ("unknown-option", "validate tiny.yaml --colour", 2, r"--colour"),
        ("run-missing-scenario", "run", 2, r"scenario"),
        ("threads-word", "validate tiny.yaml --threads many", 2, r"threads"),
        ("threads-negative", "validate tiny.yaml --threads -3", 2, r"threads"),
        ("seed-word", "validate tiny.yaml --seed abc", 2, r"seed"),
        ("seed-negative", "validate tiny.yaml --seed -1", 2, r"seed"),
        ("set-missing-value", "validate tiny.yaml --set", 2, r"set"),
        ("route-missing-network", "route --queries q.csv", 2, r"network"),
        ("build-missing-output", "network build --osm x.osm", 2, r"output"),
        ("build-bbox-word", "network build --osm x.osm --bbox a,b,c,d --output net", 2, r"bbox"),
        ("build-bbox-three", "network build --osm x.osm --bbox 1,2,3 --output net", 2, r"bbox"),
        ("build-radius-negative", "network build --osm x.osm --center 60,10 --radius-km -1 --output net", 2, r"radius"),
        ("build-center-without-radius", "network build --osm x.osm --center 60,10 --output net", 2, r"radius"),
        ("build-gtfs-without-date", "network build --osm x.osm --gtfs feed --output net", 2, r"service-date"),
        ("build-grid-zero", "network build --osm x.osm --grid-m 0 --output net", 2, r"grid"),
        ("sweep-jobs-zero", "sweep s.yaml --jobs 0", 2, r"jobs"),
        ("report-missing-file", "report nowhere.h5", 1, r"nowhere\.h5"),
        ("export-missing-trip-log", "export nowhere.h5 --network tiny", 1, r"nowhere\.h5"),
        ("skims-bad-time", "skims tiny.yaml --time 25:99", 2, r"25:99"),
        ("skims-unknown-centre", "skims tiny.yaml --centre nowhere", 1, r"nowhere"),
        ("compare-seeds-zero", "compare tiny.yaml tiny.yaml --seeds 0", 2, r"seeds"),
        ("check-missing-expectations", "check --expectations nowhere.yaml", 1, r"nowhere\.yaml"),
        ("calibrate-no-targets", "calibrate tiny.yaml", 1, r"tiny\.yaml.*calibration|calibration"),
        ("run-output-is-file", "run tiny.yaml --set simulation.enabled=false --output tiny.yaml", 1, r"tiny\.yaml"),
    ]:
        case("cli", label, {}, args, code, pattern, base="tiny")


# ---------------------------------------------------------------- write
def write():
    if OUT.exists():
        shutil.rmtree(OUT)
    names = set()
    for c in cases:
        key = (c["surface"], c["name"])
        if key in names:
            sys.exit(f"duplicate case {key}")
        names.add(key)
        folder = OUT / c["surface"] / c["name"]
        folder.mkdir(parents=True)
        for rel, text in c["files"].items():
            p = folder / "files" / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text)
        spec = [f"args: {c['args']}", f"exit: {c['exit']}", f"error: {c['error']}"]
        if c["base"]:
            spec.insert(0, f"base: {c['base']}")
        for r in c["remove"]:
            spec.append(f"remove: {r}")
        reason = EXPECTED_FAIL.get(f"{c['surface']}/{c['name']}")
        if reason:
            spec.append(f"expected_fail: {reason}")
        (folder / "case.txt").write_text("\n".join(spec) + "\n")
    print(f"{len(cases)} cases in {OUT.relative_to(ROOT)}")


network_cases()
scenario_cases()
patch_cases()
route_cases()
sweep_cases()
osm_cases()
gtfs_cases()
cli_cases()
if __name__ == "__main__":
    write()
