"""The faust app behind `chaff dedup`: MinHash LSH over the articles topic, in tables.

    pages.articles ─► sign ─► <app>-bands ─► match ─► match ─► ... ─► decide ─► pages.duplicates
     (key page_id)   MinHash,  (partition of  "signatures" table +     "verdicts"  (key page_id)
                     bands      each hop)     buckets per band partition  table

`sign` computes an article's signature and cuts it into bands. Each band key belongs to one
partition of the band topic (crc32(key) mod partitions), so copies of a story, published
by different sites and read from different partitions of the articles topic, meet in the
same bucket. The article's request visits the band partitions that own its keys one after
the other: each `match` hop compares it with the earlier pages in its buckets (band key ->
earlier pages) and adds the pages at an estimated Jaccard >= threshold to the request; a
last hop, to the page's verdict partition (crc32(page_id) mod partitions), decides from the
matches the request carries and publishes the verdict. A chain and not a fan-out and
fan-in: one record per hop and no answers to collect and persist.

The requests travel in batches (batches.py): `sign` takes up to --batch-articles articles
(or what came within --batch-wait-ms), and one record carries all their requests through
the band partitions, then one record per verdict partition carries them to be decided. A
record costs faust the same CPU whatever it carries, so this is ~16 records per batch
instead of ~8 per article. `sign` acknowledges its articles itself, after their batch is
sent (`noack_take`: faust's `take` would acknowledge them even if signing failed).

Tables: "signatures" (per band partition, the pages of its window: one row per batch,
band_store.py) and "verdicts" (per verdict partition, the verdicts of its window: one row
per batch, verdict_store.py), faust memory tables with compacted changelogs, rebuilt at
start. The buckets are an index of the signatures, rebuilt from
them when a partition is assigned (a page's band keys are a function of its signature).

Delivery is at-least-once (faust flushes its producer, changelogs included, before it
commits an offset). What makes a restarted job agree with itself:
- the verdict is stored before it is published; a request that reaches the verdict
  partition of a decided page publishes the stored verdict again, never a new one (a
  batch read again decides each of its pages this way, one after the other);
- a verdict whose row was lost in a crash was never committed past: the same last-hop
  record is read again and decides the same way, from the matches it carries (a copy of
  the request made by a redelivered earlier hop comes later in the partition);
- `match` only ever compares a page with pages before it in (timestamp, page_id) order, and
  finds itself in a bucket when it comes again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial
from typing import Any

import faust
import orjson

from worker import __version__
from worker.core.minhash import LshParams
from worker.dedup import batches, matching
from worker.dedup.band_store import BandStore
from worker.dedup.config import DedupConfig
from worker.dedup.metrics import DedupMetrics
from worker.dedup.verdict_store import VerdictStore
from worker.dedup.window import WindowIndex
from worker.sitestats import faust_fixes
from worker.sitestats.faust_job import job_app

log = logging.getLogger(__name__)

BANDS_SUFFIX = "bands"


def build_app(config: DedupConfig, metrics: DedupMetrics | None = None) -> faust.App:
    params = LshParams(num_perm=config.num_perm, bands=config.bands)
    metrics = metrics or DedupMetrics(None)
    app = job_app(config)
    articles = app.topic(config.articles_topic, key_serializer="raw", value_serializer="raw")

    def internal_topic(name: str) -> faust.TopicT:
        # internal=True: created by the job, with its partitions, if it does not exist
        return app.topic(
            name,
            partitions=config.partitions,
            key_serializer="raw",
            value_serializer="raw",
            internal=True,
        )

    bands = internal_topic(f"{config.app_id}-{BANDS_SUFFIX}")
    duplicates = internal_topic(config.duplicates_topic)
    duplicates_name = duplicates.get_topic_name()
    json_schema: faust.Schema[Any, Any] = faust.Schema(
        key_serializer="json", value_serializer="json"
    )
    # Keys of the band partitions' rows start with the partition ("3/<batch id>": a batch
    # has one row in each band partition it visits), so no key is shared by two partitions.
    signatures = app.Table(
        "signatures",
        partitions=config.partitions,
        schema=json_schema,  # values: {"pages": [[page_id, time ms, base64 signature], ...]}
    )
    # Keys "<partition>/<batch id>" too, values {"pages": [[page_id, time ms, verdict], ...]}
    verdicts = app.Table("verdicts", partitions=config.partitions, schema=json_schema)
    band_store = BandStore(
        signatures,
        WindowIndex(config.pages_per_partition, config.window_ms),
        partitions=config.partitions,
        params=params,
        bucket_capacity=config.bucket_capacity,
        on_evicted=lambda: metrics.evicted("signatures"),
    )
    verdict_store = VerdictStore(
        verdicts,
        WindowIndex(config.pages_per_partition, config.window_ms),
        on_evicted=lambda: metrics.evicted("verdicts"),
    )
    faust_fixes.apply(app)  # two record-loss bugs of faust-streaming 0.15.3

    declared: list[bool] = []

    def on_verdict_sent(sent: asyncio.Future[Any]) -> None:
        if not sent.cancelled() and sent.exception() is not None:
            log.error("a verdict was not delivered: %r", sent.exception())

    async def publish(page_id: str, verdict: dict[str, Any], *, again: bool) -> None:
        if not declared:  # faust declares only the topics it consumes
            await duplicates.maybe_declare()
            declared.append(True)
        # Straight to faust's producer, which it flushes before every commit (the job is
        # at-least-once, no transactions): faust's topic.send wraps each record in more
        # objects and tasks, ~0.2 ms of CPU a verdict.
        sent = await app.producer.send(
            duplicates_name, page_id.encode(), orjson.dumps(verdict), None, None, None
        )
        sent.add_done_callback(on_verdict_sent)  # type: ignore[attr-defined]
        metrics.verdict(verdict["verdict"], again=again)

    @app.agent(articles)
    async def sign(stream: faust.StreamT[Any]) -> None:
        # noack_take: the events of a batch are acknowledged here, once their batch is
        # sent (faust's `take` acknowledges them even when processing fails).
        take = stream.noack_take  # type: ignore[attr-defined]  # faust's StreamT lacks it
        async for events in take(config.batch_articles, within=config.batch_wait_ms / 1000):
            requests = []
            for event in events:
                request = await sign_one(event)
                if request is not None:
                    requests.append(request)
            if requests:
                for batch in batches.split_to_fit(requests):
                    await send_to(batch.partition, batch.to_bytes())
            for event in events:
                await stream.ack(event)

    async def sign_one(event: Any) -> matching.BandRequest | None:
        message = event.message
        read = matching.read_article(
            event.value,
            message.key,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            timestamp_ms=round(message.timestamp * 1000),
        )
        metrics.article_read()
        if isinstance(read, matching.Article):
            return matching.band_request(read, params, config.partitions)
        log.warning(
            "unreadable article record %s:%s@%s: %s",
            message.topic,
            message.partition,
            message.offset,
            read.reason,
        )
        verdict = matching.unreadable_verdict(
            read,
            threshold=config.threshold,
            decided_at_s=time.time(),
            worker_version=__version__,
        )
        await publish(read.key, verdict, again=False)
        return None

    async def send_to(partition: int, value: bytes) -> None:
        await bands.send(value=value, partition=partition)

    @app.agent(bands)
    async def match(stream: faust.StreamT[Any]) -> None:
        async for event in stream.events():
            partition = event.message.partition
            batch = batches.from_bytes(event.value)
            if isinstance(batch, batches.VerdictBatch):
                await decide(partition, batch)
                continue
            band_store.ensure(partition)
            row_key = f"{partition}/{batch.batch_id}"
            matched = batch.matched(
                partial(band_store.match, partition, row_key, threshold=config.threshold)
            )
            band_store.write()
            if matched.done:
                for verdicts_of in matched.verdict_batches():
                    await send_to(verdicts_of.partition, verdicts_of.to_bytes())
            else:
                await send_to(matched.partition, matched.to_bytes())

    def make_verdict(request: matching.BandRequest) -> dict[str, Any]:
        return matching.verdict_record(
            request.page_id,
            request.timestamp_ms,
            request.meta,
            matching.best_match(request.matches),
            threshold=config.threshold,
            decided_at_s=time.time(),
            worker_version=__version__,
        )

    async def decide(partition: int, batch: batches.VerdictBatch) -> None:
        # A page decided before (it came again, or this is a redelivery after a crash)
        # publishes its stored verdict again, never a new one; the new ones are stored,
        # in one row, before any is published.
        row_key = f"{partition}/{batch.batch_id}"
        for page_id, verdict, again in verdict_store.decide(
            partition, row_key, batch.pages, make_verdict
        ):
            await publish(page_id, verdict, again=again)

    async def forget_revoked(sender: Any, revoked: set[Any], **_: Any) -> None:
        # Memory tables keep the rows of partitions that moved to another process; the
        # windows know their keys, so they go (locally: the changelog keeps them).
        for tp in revoked:
            if tp.topic == bands.get_topic_name():
                band_store.drop(tp.partition, signatures.data)
                verdict_store.drop(tp.partition, verdicts.data)

    app.on_partitions_revoked.connect(forget_revoked)  # type: ignore[arg-type]  # untyped

    @app.timer(5.0)  # type: ignore[untyped-decorator]  # faust's is untyped
    async def report() -> None:
        metrics.table_sizes(
            {
                "signatures": band_store.size(),
                "buckets": band_store.bucket_count(),
                "verdicts": verdict_store.size(),
            }
        )
        lag: dict[str, int] = {}
        for tp in app.consumer.assignment():
            if tp.topic.endswith(faust_fixes.CHANGELOG_SUFFIX):
                continue
            try:
                position = await app.consumer.position(tp)
                highwater = app.consumer.highwater(tp)
            except Exception:  # a partition moving away: the next round measures it
                continue
            if position is not None and highwater is not None:
                lag[tp.topic] = lag.get(tp.topic, 0) + max(0, highwater - position)
        metrics.lag(lag)

    return app
