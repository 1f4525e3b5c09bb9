"""`chaff bench stages`: the CPU a record costs in each step of `process_raw_record`, beside
another checkout's, with no broker.

`chaff bench e2e` measures the whole worker; this measures the part that needs no broker:
validate, classify, build, serialise, and the rest of `process_raw_record` ("finish":
counting, the output size check). Each checkout runs in a process of its own (its venv's
python, in its own directory, so `import worker` is its code), set up as a worker is
(`configure_allocator`: the mmap threshold of 1 MiB makes every page larger than that
fault in fresh memory). The processes take the same raw records in turns, alternating
which goes first; each round is one pass over the records, and the CPU time per step
(`time.thread_time`) is charged through the `mark` callback the worker loop uses. Reported:
medians over rounds, and the median of the per-round ratios.

Each round also hashes every output (kind, key, value; with a fixed clock), and each process
runs a set of bad records once: where both checkouts' hashes agree, their outputs are
byte-identical.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from worker.learn.command_args import baseline_python_argument, bench_dataset_argument

STEPS = ("validate", "classify", "build", "serialise", "finish")
REPO = Path(__file__).resolve().parents[2]

# Runs in either checkout (only the API both have): reads the records (one JSON per line)
# from argv[1], then serves "round" and "bad" requests on stdin, one JSON line back each.
_SERVER = r"""
import hashlib, sys, time
import orjson
from worker.core.classify import classify_page
from worker.core.records import Limits, Source, process_raw_record
from worker.ops.memory import configure_allocator

configure_allocator()
records = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
bad = orjson.loads(open(sys.argv[2], "rb").read())
source = Source("pages.raw", 0, 0, 1_764_000_000_000, b"k")
seconds = {}
last = [0.0]

def mark(step):
    now = time.thread_time()
    seconds[step] = seconds.get(step, 0.0) + now - last[0]
    last[0] = now

def run(values, limits):
    digest = hashlib.sha256()
    seconds.clear()
    for value in values:
        last[0] = time.thread_time()
        done = process_raw_record(
            value, source, classify_page, "bench", limits, clock=lambda: 1.764e9, mark=mark
        )
        mark("finish")
        for output in done.outputs:
            digest.update(b"%s:%s:%d:" % (output.kind.encode(), output.key, len(output.value)))
            digest.update(output.value)
    return {"seconds": seconds, "sha256": digest.hexdigest()}

run(records[:20], Limits())  # warm up: models loaded, caches filled
for request in sys.stdin:
    if request.strip() == "bad":
        values = [None if v is None else v.encode("latin-1") for v in bad["values"]]
        answer = run(values, Limits())
    else:
        answer = run(records, Limits())
    sys.stdout.write(orjson.dumps(answer).decode() + "\n")
    sys.stdout.flush()
"""


def bad_records() -> list[bytes | None]:
    """Records that each fail validation in a different way (the dead-letter reasons), and
    a few that pass only just."""
    prose = "The council approved the budget on Tuesday after a long debate about schools."

    def raw(**fields: object) -> bytes:
        return orjson.dumps({"url": "https://www.Example.org/a", "body": prose, **fields})

    deep = "<html><body>" + "<div>" * 10_001 + prose
    return [
        None,
        b"",
        b" \n\t",
        b"{not json",
        b"[1, 2]",
        b'{"url": "https://e.org", "body": "caf\xe9"}',
        bytes(range(1, 32)) * 40,
        b"  " + raw() + b"\n",
        orjson.dumps({"body": prose}),
        orjson.dumps({"url": "https://e.org/a\u00a0b", "body": prose}),
        raw(body=["a"]),
        raw(body="   \n\t "),
        raw(body="\x00\x01\x02\x03 binary" * 50),
        raw(body="\x7f" * 600 + " text"),
        raw(body="a" * 40_000 + "\x7f"),
        raw(body="x" * 2_000_001),
        raw(body=deep, content_type="text/html"),
        raw(body=deep[:-5], content_type="text/html"),
        raw(content_type="application/pdf"),
        raw(fetch_time="2026-11-24T10:00:00"),
        raw(fetch_time="2026-11-24T10:00:00+01:00", page_id="p-1", scraper={"n": [1]}),
        raw(scraper="bot"),
        raw(page_id="p" * 201),
    ]


class _Side:
    """One checkout's server process."""

    def __init__(self, python: str, checkout: Path, records: Path, bad: Path) -> None:
        self.process = subprocess.Popen(
            [python, "-c", _SERVER, str(records), str(bad)],
            cwd=checkout,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(checkout)},
        )

    def ask(self, request: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(request + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"chaff bench stages: a server process ended ({self.process.wait()})")
        answer: dict[str, Any] = orjson.loads(line)
        return answer

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def bench_stages(
    records: list[bytes], rounds: int, baseline_python: str | None = None
) -> dict[str, Any]:
    """Per step, CPU ms per record: this checkout's (and the baseline's) median over rounds."""
    with tempfile.TemporaryDirectory(prefix="chaff-stages-") as folder:
        records_file, bad_file = Path(folder, "records"), Path(folder, "bad.json")
        records_file.write_bytes(b"".join(value + b"\n" for value in records))
        values = [None if v is None else v.decode("latin-1") for v in bad_records()]
        bad_file.write_bytes(orjson.dumps({"values": values}))
        sides = {"this": _Side(sys.executable, REPO, records_file, bad_file)}
        if baseline_python:
            checkout = Path(baseline_python).absolute().parents[2]  # <checkout>/.venv/bin/python
            sides["baseline"] = _Side(baseline_python, checkout, records_file, bad_file)
        try:
            bad = {name: side.ask("bad")["sha256"] for name, side in sides.items()}
            answers: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
            for round_number in range(rounds):
                order = list(sides) if round_number % 2 == 0 else list(reversed(sides))
                for name in order:
                    answers[name].append(sides[name].ask("round"))
        finally:
            for side in sides.values():
                side.close()
    figures: dict[str, Any] = {"records": len(records), "rounds": rounds}
    for name, rows in answers.items():
        figures[name] = {
            step: statistics.median(1000 * row["seconds"].get(step, 0.0) for row in rows)
            / len(records)
            for step in STEPS
        }
        figures[name]["total"] = sum(figures[name][step] for step in STEPS)
        figures[name]["per_round"] = [
            {step: 1000 * _step(row, step) / len(records) for step in (*STEPS, "total")}
            for row in rows
        ]
    if "baseline" in answers:
        figures["ratios"] = {
            step: statistics.median(
                _step(mine, step) / _step(theirs, step)
                for mine, theirs in zip(answers["this"], answers["baseline"], strict=True)
            )
            for step in (*STEPS, "total")
        }
        figures["identical_outputs"] = all(
            mine["sha256"] == theirs["sha256"]
            for mine, theirs in zip(answers["this"], answers["baseline"], strict=True)
        )
        figures["identical_bad_records"] = bad["this"] == bad["baseline"]
    return figures


def _step(row: dict[str, Any], step: str) -> float:
    seconds: dict[str, float] = row["seconds"]
    return sum(seconds.values()) if step == "total" else seconds.get(step, 0.0)


def format_stages(figures: dict[str, Any]) -> str:
    lines = [
        f"{figures['records']} raw records, {figures['rounds']} rounds; CPU ms per record "
        "(medians over rounds)",
        f"{'step':10s} {'this':>8s}" + ("  baseline  ratio" if "ratios" in figures else ""),
    ]
    for step in (*STEPS, "total"):
        line = f"{step:10s} {figures['this'][step]:8.3f}"
        if "ratios" in figures:
            line += f"  {figures['baseline'][step]:8.3f}  {figures['ratios'][step]:5.2f}x"
        lines.append(line)
    if "ratios" in figures:
        same = figures["identical_outputs"] and figures["identical_bad_records"]
        lines.append(
            "outputs byte-identical to the baseline's (corpus and bad records): "
            + ("yes" if same else "NO")
        )
    return "\n".join(lines)


def register_stages(benches: Any) -> None:
    parser = benches.add_parser(
        "stages",
        help="CPU per record of validate, classify, build, serialise (no broker), beside "
        "another checkout's",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bench_dataset_argument(parser)
    parser.add_argument("--pages", type=int, default=400, help="raw records (default: 400)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default: 5)")
    baseline_python_argument(parser, "the same steps with the code")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.set_defaults(handler=_bench_stages)


def _bench_stages(args: argparse.Namespace) -> int:
    from worker.learn.bench_e2e import raw_records
    from worker.learn.command_args import bench_dataset

    dataset = bench_dataset(args.dataset)
    figures = bench_stages(
        raw_records(dataset, args.pages), max(1, args.rounds), args.baseline_python
    )
    figures["dataset"] = str(dataset)
    print(format_stages(figures))
    if args.json:
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    same = figures.get("identical_outputs", True) and figures.get("identical_bad_records", True)
    return 0 if same else 1
