"""`chaff bench stages`: both sides get every round, and the byte-identity check can fail."""

import sys
from pathlib import Path

import pytest

from worker.core.classify import classify_page
from worker.core.records import Limits, Source, process_raw_record
from worker.learn import bench_stages
from worker.learn.bench_e2e import raw_records

FIXTURE = Path(__file__).parents[1] / "fixtures" / "wcxb"
# This checkout's venv python, as --baseline-python names a checkout's (not resolved: the
# checkout is the venv's parent, not the interpreter's installation).
THIS_PYTHON = str(Path(sys.executable).absolute())


def test_this_checkout_beside_itself_is_timed_every_round_and_identical() -> None:
    if Path(THIS_PYTHON).parents[2] != bench_stages.REPO:
        pytest.fail(f"tests run from {THIS_PYTHON}, not this checkout's .venv")
    figures = bench_stages.bench_stages(raw_records(FIXTURE, 6), 2, THIS_PYTHON)
    assert figures["identical_outputs"] and figures["identical_bad_records"]
    for side in ("this", "baseline"):
        assert figures[side]["classify"] > 0 and figures[side]["validate"] > 0
        assert figures[side]["total"] == pytest.approx(
            sum(figures[side][step] for step in bench_stages.STEPS)
        )
    text = bench_stages.format_stages(figures)
    assert "outputs byte-identical to the baseline's (corpus and bad records): yes" in text


def test_a_baseline_with_other_outputs_is_reported(tmp_path: Path) -> None:
    """A 'checkout' whose worker writes other processed_at times: not identical."""
    fake = tmp_path / "other"
    venv, this_venv = fake / ".venv", Path(THIS_PYTHON).parents[1]
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_bytes((this_venv / "pyvenv.cfg").read_bytes())
    (venv / "lib").symlink_to(this_venv / "lib")  # this venv's packages, this worker
    python = venv / "bin" / "python"
    python.symlink_to(THIS_PYTHON)
    # This checkout's worker, with the clock one second on: every output differs.
    (fake / "sitecustomize.py").write_text(
        "import worker.core.records as r\n"
        "_real = r.process_raw_record\n"
        "def _late(*a, clock=None, **k):\n"
        "    return _real(*a, clock=lambda: clock() + 1, **k)\n"
        "r.process_raw_record = _late\n"
    )
    figures = bench_stages.bench_stages(raw_records(FIXTURE, 2), 1, str(python))
    assert not figures["identical_outputs"] and not figures["identical_bad_records"]
    assert "(corpus and bad records): NO" in bench_stages.format_stages(figures)


def test_the_bad_records_cover_every_validation_failure() -> None:
    source = Source("pages.raw", 0, 0, None)
    kinds = {
        process_raw_record(value, source, classify_page, "x", Limits()).error_kind
        for value in bench_stages.bad_records()
    }
    assert {"invalid_json", "schema_violation", "not_utf8", "empty_body", "too_large"} <= kinds
    assert "binary_body" in kinds
