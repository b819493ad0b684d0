"""Paired runs of `bench/run.py` on several commits, alternated, for "did this change move a
figure?" questions (issues 14 and 15: every figure within 5 % of the code before).

    .venv/bin/python bench/compare.py --only pages,posts --rounds 5 --quick 4ae9b00 HEAD

Each commit gets a git worktree of its own (under the system's temporary folder, reused on the
next call), and each round runs every commit's own `bench/run.py` once — the same scenario
code the commit shipped with, on data its own code generated — one commit after another, in an
order that rotates from round to round so that neither commit is always the one measured on a
warmer or a busier machine. Runs of one code on this class of machine spread by up to a quarter
from one minute to the next (docs/benchmarks.md, round 10); alternation and the median over
the rounds are what make two codes comparable.

The report is a Markdown table on standard output (and in ``--report``): per figure, the median
of the rounds for each commit, every round's value, and the change against the first commit.
Figures that each run reports as a ratio to nginx static in the same run are compared that way
too, which takes out what the machine did between runs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_ROW = re.compile(r"^\| (?P<name>[^|]+?) \| (?P<value>[\d,.]+) [^|]*\|[^|]*\|"
                  r"(?P<target>[^|]*)\| (?P<ratio>[\d.]+)?[^|]*\|")


def worktree(ref: str) -> tuple[str, Path]:
    commit = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    path = Path(tempfile.gettempdir()) / "undersigned-compare" / commit
    if not (path / "bench" / "run.py").exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "worktree", "add", "--force", "--detach", str(path), commit],
                       cwd=ROOT, check=True, capture_output=True)
    return commit, path


def figures(report: Path) -> dict[str, tuple[float, float | None]]:
    """The results table of one run's report: value, and the ratio to the same run's
    reference when the row has one (``0.46 ×``)."""
    found: dict[str, tuple[float, float | None]] = {}
    results = report.read_text().partition("## Results")[2].partition("## Analysis")[0]
    for line in results.splitlines():
        match = _ROW.match(line)
        if match is None:
            continue
        ratio = match.group("ratio") if "nginx static" in match.group("target") else None
        found[match.group("name")] = (float(match.group("value").replace(",", "")),
                                      float(ratio) if ratio else None)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("refs", nargs="+", help="commits to compare; the first is the baseline")
    parser.add_argument("--only", default="pages,posts", help="bench/run.py's --only")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="bench/run.py's --quick")
    parser.add_argument("--report", type=Path, help="also write the table here")
    parser.add_argument("--keep-reports", type=Path, metavar="DIR",
                        help="keep each run's own report here (<commit>-<round>.md)")
    parser.add_argument("--tabulate", action="store_true",
                        help="run nothing: make the table from the reports in --keep-reports")
    args = parser.parse_args()

    codes = [worktree(ref) for ref in args.refs]
    runs: dict[str, dict[str, list[tuple[float, float | None]]]] = {c: {} for c, _ in codes}
    with tempfile.TemporaryDirectory(prefix="undersigned-compare-") as scratch:
        kept = args.keep_reports or Path(scratch)
        kept.mkdir(parents=True, exist_ok=True)
        for round_number in range(args.rounds):
            shift = round_number % len(codes)
            for commit, path in codes[shift:] + codes[:shift]:
                report = kept / f"{commit}-{round_number + 1}.md"
                if args.tabulate:
                    if report.exists():
                        for name, value in figures(report).items():
                            runs[commit].setdefault(name, []).append(value)
                    continue
                command = [sys.executable, "bench/run.py", "--only", args.only,
                           "--report", str(report)] + (["--quick"] if args.quick else [])
                print(f"round {round_number + 1}/{args.rounds}: {commit}", flush=True)
                done = subprocess.run(command, cwd=path, capture_output=True, text=True)
                if done.returncode != 0 or not report.exists():
                    print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
                    return 1
                for name, value in figures(report).items():
                    runs[commit].setdefault(name, []).append(value)
    table = _table(args, codes, runs)
    print(table)
    if args.report:
        args.report.write_text(table)
    return 0


def _table(args: argparse.Namespace, codes: list[tuple[str, Path]],
           runs: dict[str, dict[str, list[tuple[float, float | None]]]]) -> str:
    base = codes[0][0]
    lines = [f"`bench/compare.py --only {args.only} --rounds {args.rounds}"
             f"{' --quick' if args.quick else ''} {' '.join(args.refs)}`", "",
             "| figure | " + " | ".join(c for c, _ in codes) + " | change |",
             "| --- | " + " | ".join("---" for _ in codes) + " | --- |"]
    for name in runs[base]:
        for kind, index in (("", 0), (" (× nginx static, same run)", 1)):
            columns = [[value[index] for value in runs[c].get(name, [])
                        if value[index] is not None] for c, _ in codes]
            if not all(columns):
                continue
            medians = [statistics.median(column) for column in columns]
            cells = [f"**{m:,.3g}** ({', '.join(f'{v:,.3g}' for v in column)})"
                     for m, column in zip(medians, columns, strict=True)]
            change = ", ".join(f"{m / medians[0] - 1:+.1%}" if medians[0] else "–"
                               for m in medians[1:])
            lines.append(f"| {name}{kind} | " + " | ".join(cells) + f" | {change} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
