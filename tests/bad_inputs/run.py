#!/usr/bin/env python3
"""Runs the corpus of bad inputs through the flemsim command and checks each outcome.

A case is a folder with case.txt and, under files/, the files it puts over its base:
    base: tiny            tests/data/tiny.yaml and the tiny network (tiny/); or gtfs: grid.osm
                          and the bus_line feed (feed/); none: an empty folder
    args: validate s.yaml the command line after `flemsim` (shell words), run in the case's folder
    exit: 1               the expected exit code
    error: REGEX          what the error must match (stderr; file:line:column where the input has lines)
    remove: PATH          a base file taken away (repeatable)
    expected_fail: WHY    a known failure, to be fixed where the reason says

Each case must: end by itself (20 s), without a signal or a sanitizer report, with an exit
code of 0-3 that is the expected one (never 0: the input is bad), an error matching the
regular expression, and leave no file behind: the folder after the command holds exactly what
it held before. An expected_fail case that passes is reported, so that its mark is removed.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data"
TIMEOUT_S = 20


def read_case(folder):
    spec = {"remove": []}
    for line in (folder / "case.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition(":")
        value = value.strip()
        if key == "remove":
            spec["remove"].append(value)
        else:
            spec[key.strip()] = value
    return spec


def set_up(work, spec, folder):
    base = spec.get("base", "none")
    if base == "tiny":
        shutil.copy(DATA / "tiny.yaml", work / "tiny.yaml")
        shutil.copytree(DATA / "tiny", work / "tiny")
    elif base == "gtfs":
        shutil.copy(DATA / "osm" / "grid.osm", work / "grid.osm")
        shutil.copytree(DATA / "gtfs" / "bus_line", work / "feed")
    elif base != "none":
        raise ValueError(f"unknown base {base}")
    for rel in spec["remove"]:
        (work / rel).unlink()
    files = folder / "files"
    if files.is_dir():
        for src in files.rglob("*"):
            if src.is_file():
                dst = work / src.relative_to(files)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, dst)


def snapshot(work):
    return {str(p.relative_to(work)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(work.rglob("*"))}


def check(flemsim, folder):
    spec = read_case(folder)
    problems = []
    with tempfile.TemporaryDirectory(prefix="flemsim-bad-") as tmp:
        work = Path(tmp)
        set_up(work, spec, folder)
        before = snapshot(work)
        env = dict(os.environ, FLEMSIM_NO_PROGRESS="1")
        try:
            p = subprocess.run([flemsim] + shlex.split(spec["args"]), cwd=work, env=env, capture_output=True,
                               text=True, errors="replace", timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return spec, [f"hang: no end after {TIMEOUT_S} s"], ""
        out = p.stdout + p.stderr
        if p.returncode < 0:
            problems.append(f"crash: signal {-p.returncode}")
        elif p.returncode > 3:
            problems.append(f"crash: exit code {p.returncode}")
        elif p.returncode == 0:
            problems.append("silent: exit 0 on bad input")
        elif p.returncode != int(spec["exit"]):
            problems.append(f"exit code {p.returncode}, expected {spec['exit']}")
        if re.search(r"Sanitizer|runtime error:|terminate called", out):
            problems.append("crash: sanitizer report or terminate")
        if p.returncode != 0 and not re.search(spec.get("error", ""), p.stderr):
            problems.append(f"message: stderr does not match /{spec.get('error', '')}/")
        after = snapshot(work)
        if p.returncode != 0 and after != before:
            new = sorted(set(after) - set(before))
            changed = sorted(k for k in before if k in after and after[k] != before[k])
            gone = sorted(set(before) - set(after))
            problems.append(f"files: left {new[:5]} changed {changed[:5]} removed {gone[:5]}")
        return spec, problems, p.stderr.strip()[-400:]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flemsim", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--verbose", "-v", action="store_true", help="show the error of every case")
    ap.add_argument("only", nargs="*", help="run only cases whose path contains one of these")
    args = ap.parse_args()
    flemsim = str(Path(args.flemsim).resolve())
    folders = sorted(p.parent for p in (HERE / "cases").rglob("case.txt"))
    if args.only:
        folders = [f for f in folders if any(o in str(f.relative_to(HERE)) for o in args.only)]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda f: (f, *check(flemsim, f)), folders))
    failed, xfail, xpass, by_class = [], 0, [], {}
    for folder, spec, problems, err in results:
        name = str(folder.relative_to(HERE / "cases"))
        surface = name.split("/")[1] if name.count("/") >= 2 else name.split("/")[0]
        if args.verbose:
            print(f"{name}: {err.splitlines()[-1] if err else '(no message)'}")
        if "expected_fail" in spec:
            if problems:
                xfail += 1
                by_class[surface] = by_class.get(surface, 0) + 1
            else:
                xpass.append(name)
            continue
        if problems:
            failed.append((name, spec, problems, err))
    for name, spec, problems, err in failed:
        print(f"FAIL {name}: flemsim {spec['args']}")
        for p in problems:
            print(f"  {p}")
        if err:
            print("  stderr: " + err.replace("\n", "\n          "))
    for name in xpass:
        print(f"XPASS {name}: passes now; remove its expected_fail")
    passed = len(results) - len(failed) - xfail - len(xpass)
    print(f"bad inputs: {len(results)} cases, {passed} passed, {len(failed)} failed, {xfail} expected to fail"
          + (f" ({', '.join(f'{k} {v}' for k, v in sorted(by_class.items()))})" if by_class else "")
          + (f", {len(xpass)} passing though marked expected_fail" if xpass else ""))
    return 1 if failed or xpass else 0


if __name__ == "__main__":
    sys.exit(main())
