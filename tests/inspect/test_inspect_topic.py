"""`chaff inspect --topic T --partition P --offset O` against a real broker: the record read
off the topic with the connection settings every command uses, a tombstone and a bad record
shown as the dead letters they would be, and offsets the partition does not hold."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from kafka_helpers import TopicFactory, produce_raw
from selectolax.lexbor import LexborHTMLParser

from worker.cli import main
from worker.core.classify import classify_page

pytestmark = [pytest.mark.broker]

REPO = Path(__file__).parents[2]
RECORDS = REPO / "seeds" / "wcxb-pages.jsonl"


def inspect_offset(
    tmp_path: Path, bootstrap: str, topic: str, offset: int, partition: int = 0
) -> tuple[int, Path]:
    out = tmp_path / f"offset-{offset}.html"
    code = main(
        [
            "inspect",
            "--topic",
            topic,
            "--partition",
            str(partition),
            "--offset",
            str(offset),
            "--bootstrap-servers",
            bootstrap,
            "-o",
            str(out),
        ]
    )
    return code, out


def test_a_record_on_the_topic_is_inspected_where_it_lies(
    tmp_path: Path,
    kafka_bootstrap: str,
    topic_factory: TopicFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    topic = topic_factory("inspect-raw", partitions=2)
    good = RECORDS.read_bytes().splitlines()[0]
    bad = b'{"url": "https://b.example/<script>x</script>", "body": 7}'
    written = produce_raw(
        kafka_bootstrap,
        topic,
        [good, bad, None],
        keys=[b"jefftk.com", b"<b>site</b>", b"gone.example"],
        partition=1,
    )
    assert [m.offset for m in written] == [0, 1, 2]

    code, out = inspect_offset(tmp_path, kafka_bootstrap, topic, 0, partition=1)
    assert code == 0
    dom = LexborHTMLParser(out.read_text(encoding="utf-8"))
    record = orjson.loads(good)
    verdict = classify_page(record["body"], "text/html")
    assert dom.css_first("#kept-count").text() == str(len(verdict.article_segments))
    facts = {r.css_first("th").text(): r.css_first("td").text() for r in dom.css("header tr")}
    assert facts["source"] == f"{topic}-1 offset 0"
    assert facts["record key"] == "jefftk.com"
    assert facts["url"] == record["url"]
    assert "record timestamp" in facts

    code, out = inspect_offset(tmp_path, kafka_bootstrap, topic, 1, partition=1)
    assert code == 0
    text = out.read_text(encoding="utf-8")
    dom = LexborHTMLParser(text)
    assert dom.css_first("#error-kind").text() == "schema_violation"
    assert dom.css_first("#original").text() == bad.decode()
    assert "<script>x" not in text and "<b>site" not in text  # escaped in the file

    code, out = inspect_offset(tmp_path, kafka_bootstrap, topic, 2, partition=1)
    assert code == 0
    dom = LexborHTMLParser(out.read_text(encoding="utf-8"))
    assert dom.css_first("#error-kind").text() == "invalid_json"
    assert "tombstone" in dom.css_first("#error-message").text()
    assert "would be dead-lettered" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("partition", "offset", "message"),
    [
        (0, 0, "has no offset 0 yet: its next offset is 0"),
        (1, 5, "has no offset 5 yet: its next offset is 1"),
        (7, 0, "has no partition 7"),
    ],
)
def test_an_offset_the_partition_does_not_hold_says_why(
    tmp_path: Path,
    kafka_bootstrap: str,
    topic_factory: TopicFactory,
    capsys: pytest.CaptureFixture[str],
    partition: int,
    offset: int,
    message: str,
) -> None:
    topic = topic_factory("inspect-empty", partitions=2)
    produce_raw(kafka_bootstrap, topic, [b"{}"], partition=1)
    code, out = inspect_offset(tmp_path, kafka_bootstrap, topic, offset, partition)
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_topic_and_an_unreachable_cluster(
    tmp_path: Path, kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = inspect_offset(tmp_path, kafka_bootstrap, "no-such-topic-inspect", 0)
    assert code == 2
    assert "does not exist" in capsys.readouterr().err
    code, _ = inspect_offset(tmp_path, "127.0.0.1:1", "t", 0)
    assert code == 5
    assert "127.0.0.1:1" in capsys.readouterr().err
