"""The per-record pipeline without Kafka: validation, outcomes, contracts, determinism."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from contracts import validate
from jsonschema import ValidationError

from worker.core.raw_page import BadInput, derive_page_id, parse_raw_page, site_of
from worker.core.records import MAX_ORIGINAL_BYTES, Limits, Source, process_raw_record
from worker.core.verdict import ContentType, PageVerdict, SegmentVerdict

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_bd0859deabb9f25c.txt"
SOURCE = Source("pages.raw", 3, 42, 1_764_000_000_000, b"example.org")
PROSE = "The council approved the budget on Tuesday after a long debate about schools."


def raw(**fields: object) -> bytes:
    return orjson.dumps({"url": "https://www.Example.org/a", "body": PROSE, **fields})


def fixed_clock() -> float:
    return 1_764_000_000.0


def process(value: bytes | None, classify=None, limits: Limits | None = None):  # type: ignore[no-untyped-def]
    from worker.core.classify import classify_page

    return process_raw_record(
        value, SOURCE, classify or classify_page, "test", limits or Limits(), clock=fixed_clock
    )


def decoded(result) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    return [(o.kind, orjson.loads(o.value)) for o in result.outputs]


# --- identity -------------------------------------------------------------------------------


def test_page_id_is_derived_from_url_and_fetch_time() -> None:
    a = derive_page_id("https://example.org/a", "2026-11-24T10:00:00Z")
    assert a == derive_page_id("https://example.org/a", "2026-11-24T10:00:00Z")
    assert a != derive_page_id("https://example.org/a", "2026-11-24T11:00:00Z")
    assert a != derive_page_id("https://example.org/b", "2026-11-24T10:00:00Z")
    assert len(a) == 16 and int(a, 16) >= 0


def test_site_is_lowercased_host_without_www() -> None:
    assert site_of("https://WWW.Example.ORG:8443/x?y") == "example.org"
    assert site_of("https://news.example.org/") == "news.example.org"
    assert site_of("file:///tmp/page.html") == ""


# --- bad input: one precise kind per failure ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "detail"),
    [
        (None, "invalid_json", "tombstone"),
        (b"", "invalid_json", "empty"),
        (b"{not json", "invalid_json", "invalid JSON"),
        (b"[1, 2]", "schema_violation", "got array"),
        (orjson.dumps({"body": PROSE}), "schema_violation", "'url' is required"),
        (orjson.dumps({"url": 7, "body": PROSE}), "schema_violation", "'url' must be a string"),
        (orjson.dumps({"url": "not a url", "body": PROSE}), "schema_violation", "absolute URL"),
        (raw(body=["a"]), "schema_violation", "'body' must be a string, got array"),
        (raw(content_type="application/pdf"), "schema_violation", "content_type"),
        (raw(fetch_time="yesterday"), "schema_violation", "RFC 3339"),
        (raw(fetch_time="2026-11-24T10:00:00"), "schema_violation", "no time zone"),
        (raw(scraper="bot"), "schema_violation", "'scraper' must be an object"),
        (raw(body="   \n\t "), "empty_body", "empty"),
        (b'{"url": "https://e.org", "body": "caf\xe9"}', "not_utf8", "offset 37"),
        (raw(body="\x00\x01\x02\x03 binary" * 50), "binary_body", "control characters"),
        (bytes(range(1, 32)) * 40, "binary_body", "looks binary"),
        # DEL is the one counted control character valid JSON may carry unescaped.
        (raw(body="\x7f" * 600 + " text"), "binary_body", "record looks binary: 9"),
        (raw(body="x" * 3_000), "too_large", "over the limit of 2,000"),
    ],
)
def test_bad_input_gets_a_precise_dead_letter(value: bytes | None, kind: str, detail: str) -> None:
    result = process(value, limits=Limits(max_page_bytes=2_000))
    assert result.outcome == "dead_letter"
    assert result.error_kind == kind
    [(output_kind, letter)] = decoded(result)
    assert output_kind == "dead_letter"
    validate("dead-letter", letter)
    assert letter["error"]["kind"] == kind
    assert detail in letter["error"]["message"]
    assert letter["source"] == {
        "topic": "pages.raw",
        "partition": 3,
        "offset": 42,
        "timestamp": 1_764_000_000_000,
        "key": "example.org",
    }
    original = letter["original"]
    restored = (
        original["value"].encode()
        if original["encoding"] == "utf-8"
        else base64.b64decode(original["value"])
    )
    assert restored == (value or b"")
    assert original["null"] is (value is None)


def test_html_nested_too_deep_is_dead_lettered_instead_of_parsed() -> None:
    deep = "<html><body>" + "<div>" * 10_001 + PROSE + "</body></html>"
    result = process(raw(body=deep, content_type="text/html"))
    assert result.error_kind == "too_large"
    [(_, letter)] = decoded(result)
    validate("dead-letter", letter)
    assert "more than 10,000 deep" in letter["error"]["message"]
    # As deep as the limit is still a page, classified like any other.
    fine = "<html><body>" + "<div>" * 10_000 + PROSE + "</body></html>"
    assert process(raw(body=fine, content_type="text/html")).outcome != "dead_letter"


def test_dead_letter_keeps_a_prefix_and_hash_of_a_huge_original() -> None:
    value = b"\xff" * (MAX_ORIGINAL_BYTES + 10)
    [(_, letter)] = decoded(process(value, limits=Limits(max_page_bytes=10**9)))
    validate("dead-letter", letter)
    assert letter["original"]["truncated"] is True
    assert letter["original"]["length"] == MAX_ORIGINAL_BYTES + 10
    assert len(base64.b64decode(letter["original"]["value"])) == MAX_ORIGINAL_BYTES


def test_classifier_exception_becomes_a_processing_error() -> None:
    def broken(body: str, content_type: ContentType) -> PageVerdict:
        raise RuntimeError("model file corrupt")

    result = process(raw(), classify=broken)
    assert result.error_kind == "processing_error"
    assert "RuntimeError: model file corrupt" in (result.error_message or "")


def test_an_oversized_output_dead_letters_the_page() -> None:
    result = process(raw(body=PROSE * 100), limits=Limits(max_output_bytes=1_000))
    assert result.error_kind == "too_large"
    assert "output record would be" in (result.error_message or "")


# --- good input -----------------------------------------------------------------------------


def _verdict(*labels: str) -> PageVerdict:
    segments = tuple(
        SegmentVerdict(i, f"segment {i}", label, 0.9 if label == "article" else 0.1, ("why",))  # type: ignore[arg-type]
        for i, label in enumerate(labels)
    )
    return PageVerdict("text/plain", segments, "test-model")


def test_mixed_page_gives_an_article_and_a_reject_with_the_same_key() -> None:
    result = process(
        raw(fetch_time="2026-11-24T10:00:00Z"),
        classify=lambda b, c: _verdict("article", "junk", "article"),
    )
    assert result.outcome == "article"
    assert [o.kind for o in result.outputs] == ["article", "reject"]
    assert len({o.key for o in result.outputs}) == 1
    (_, article), (_, reject) = decoded(result)
    validate("article", article)
    validate("reject", reject)
    assert article["article_text"] == "segment 0\n\nsegment 2"
    assert article["segments"] == {"total": 3, "article": 2, "junk": 1}
    assert article["site"] == "example.org"
    assert article["page_id"] == derive_page_id("https://www.Example.org/a", "2026-11-24T10:00:00Z")
    assert reject["page_rejected"] is False and reject["reason"] is None
    assert reject["segments"] == [
        {"position": 1, "text": "segment 1", "score": 0.1, "reasons": ["why"]}
    ]
    assert result.segments_by_label == {"article": 2, "junk": 1}
    assert result.event_time_s == datetime(2026, 11, 24, 10, tzinfo=UTC).timestamp()


def test_page_without_article_content_is_a_page_level_reject_only() -> None:
    result = process(raw(), classify=lambda b, c: _verdict("junk", "junk"))
    assert result.outcome == "page_rejected"
    [(kind, reject)] = decoded(result)
    assert kind == "reject"
    validate("reject", reject)
    assert reject["page_rejected"] is True
    assert "no article content" in reject["reason"]


def test_clean_page_has_no_reject_record() -> None:
    result = process(raw(), classify=lambda b, c: _verdict("article"))
    assert [o.kind for o in result.outputs] == ["article"]


def test_given_page_id_and_scraper_pass_through() -> None:
    result = process(
        raw(page_id="p-1", scraper={"name": "bot-7"}), classify=lambda b, c: _verdict("article")
    )
    [(_, article)] = decoded(result)
    assert article["page_id"] == "p-1" and article["scraper"] == {"name": "bot-7"}
    assert result.outputs[0].key == b"p-1"


def test_same_input_gives_byte_identical_outputs() -> None:
    value = orjson.dumps(
        {"url": "https://e.org/seed", "body": SEED.read_text(), "content_type": "text/plain"}
    )
    first, second = process(value), process(value)
    assert [o.value for o in first.outputs] == [o.value for o in second.outputs]


def test_seed_page_keeps_the_article_and_rejects_all_headlines() -> None:
    value = orjson.dumps({"url": "https://e.org/seed", "body": SEED.read_text()})
    (_, article), (_, reject) = decoded(process(value))
    lines = [line for line in SEED.read_text().splitlines() if line.strip()]
    headlines = [line for line in lines[8:] if line != "-"]
    assert len(headlines) == 16
    assert "Pompeo warned Iraq Monday" in article["article_text"]
    rejected = {s["text"] for s in reject["segments"]}
    assert all(h.strip() in rejected for h in headlines)
    assert not any(h.strip() in article["article_text"] for h in headlines)


def test_content_type_is_sniffed_when_absent() -> None:
    page = parse_raw_page(raw(body="<html><body><p>" + PROSE + "</p></body></html>"), 10**6)
    assert page.content_type == "text/html"
    assert parse_raw_page(raw(), 10**6).content_type == "text/plain"
    assert (
        parse_raw_page(raw(content_type="text/html; charset=utf-8"), 10**6).content_type
        == "text/html"
    )


def test_schemas_reject_what_the_contract_forbids() -> None:
    result = process(raw(), classify=lambda b, c: _verdict("article"))
    [(_, article)] = decoded(result)
    del article["source"]
    with pytest.raises(ValidationError):
        validate("article", article)
    validate("raw-page", orjson.loads(raw()))
    with pytest.raises(ValidationError):
        validate("raw-page", {"url": "https://e.org"})


def test_bad_input_is_an_exception_with_kind() -> None:
    with pytest.raises(BadInput) as caught:
        parse_raw_page(b"[]", 100)
    assert caught.value.kind == "schema_violation"


def test_an_html_article_record_carries_its_metadata_and_markdown() -> None:
    prose = "The council met on Tuesday to agree the budget for the coming year in full. " * 3
    body = (
        "<html><head><title>Budget agreed | Town Paper</title>"
        '<meta property="og:site_name" content="Town Paper">'
        '<link rel="canonical" href="/news/budget">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"name": '
        '"Jane Doe"}, "datePublished": "2024-03-03"}</script></head><body><main><article>'
        "<h1>Budget agreed</h1>"
        + "".join(f"<p>{prose}</p>" for _ in range(4))
        + "<ul><li>Schools: more</li><li>Roads: more</li></ul></article></main></body></html>"
    )
    [(_, article)] = decoded(process(raw(url="https://town.example/a?x=1", body=body)))
    validate("article", article)
    assert article["schema"] == "chaff.article/2"
    assert (article["title"], article["authors"]) == ("Budget agreed", ["Jane Doe"])
    assert (article["published"], article["modified"]) == ("2024-03-03", None)
    assert article["language"] == "en" and article["site_name"] == "Town Paper"
    assert article["canonical_url"] == "https://town.example/news/budget"
    assert article["article_markdown"].startswith("# Budget agreed\n\n")
    assert article["article_markdown"].endswith("- Schools: more\n- Roads: more")


def test_a_text_article_record_has_null_markdown_and_validates() -> None:
    value = orjson.dumps(
        {"url": "https://e.org/seed", "body": SEED.read_text(), "content_type": "text/plain"}
    )
    (_, article), _ = decoded(process(value))
    validate("article", article)
    assert article["article_markdown"] is None and article["language"] == "en"
