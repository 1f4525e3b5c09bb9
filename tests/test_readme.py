"""The README is the user's manual: what it states about the code must stay true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from worker.config import configuration_table

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def test_configuration_table_is_the_generated_one() -> None:
    block = README.split("<!-- configuration-table")[1].split("<!-- end configuration-table")[0]
    table = "\n".join(line for line in block.splitlines() if line.startswith("|"))
    assert table == configuration_table()


def test_every_test_the_readme_names_exists() -> None:
    references = TEST_REFERENCE.findall(README)
    assert len(references) >= 5
    for path, name in references:
        tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert name in defined, f"README names {path}::{name}, which does not exist"


def test_the_two_setup_commands_are_at_the_top() -> None:
    quick_start = README.split("## Quick start")[1].split("##")[0]
    assert "make demo" in quick_start and "make test" in quick_start
    assert "exec make test" in (REPO / ".ci" / "run").read_text()


def test_the_prerequisites_line_names_all_a_fresh_machine_needs() -> None:
    """Maven was once a hidden prerequisite: the line names what is needed and what is not,
    and the jar fetch calls no Maven (worker/broker/download.py; tests/broker/test_download.py
    runs it with no mvn on PATH)."""
    quick_start = README.split("## Quick start")[1].split("##")[0]
    line = next(p for p in quick_start.split("\n\n") if p.startswith("Prerequisites:"))
    for needed in ("Python 3.11", "C compiler", "Java 17", "openssl", "PyPI", "Maven Central"):
        assert needed in line, needed
    assert "no Maven" in line
    assert "mvn" not in (REPO / "worker" / "broker" / "download.py").read_text()
