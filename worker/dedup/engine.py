"""The dedup job's three steps in one process, on plain dicts: for the evaluation, the
benchmark and tests. The same functions as the faust job (app.py), without windows."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from worker.core.minhash import LshParams
from worker.dedup import batches, matching


@dataclass
class LocalDedup:
    params: LshParams = field(default_factory=LshParams)
    threshold: float = 0.8
    partitions: int = 8
    bucket_capacity: int = 16
    buckets: dict[str, matching.Bucket] = field(default_factory=dict)
    signatures: dict[str, bytes] = field(default_factory=dict)  # "<partition>/<page_id>"
    verdicts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, article: matching.Article, decided_at_s: float = 0.0) -> dict[str, Any]:
        """The verdict of one article (the stored one if its page_id was decided)."""
        if article.page_id in self.verdicts:
            return self.verdicts[article.page_id]
        request = matching.band_request(article, self.params, self.partitions)
        while not request.is_last:
            request = request.next_hop(self._match(request))
        verdict = matching.verdict_record(
            article.page_id,
            article.timestamp_ms,
            request.meta,
            matching.best_match(request.matches),
            threshold=self.threshold,
            decided_at_s=decided_at_s,
            worker_version="local",
        )
        self.verdicts[article.page_id] = verdict
        return verdict

    def add_batch(
        self, articles: list[matching.Article], decided_at_s: float = 0.0
    ) -> list[dict[str, Any]]:
        """The verdicts of a batch of articles, as the faust job decides them: one
        BandBatch through the band partitions, then the verdict batches (batches.py)."""
        requests = [matching.band_request(a, self.params, self.partitions) for a in articles]
        decided: dict[str, dict[str, Any]] = {}
        for batch in batches.split_to_fit(requests):
            while not batch.done:
                batch = batch.matched(partial(self._match_at, batch.partition))
            for verdicts_of in batch.verdict_batches():
                for page in verdicts_of.pages:
                    decided[page.page_id] = self._decide(page, decided_at_s)
        return [decided[article.page_id] for article in articles]

    def _decide(self, request: matching.BandRequest, decided_at_s: float) -> dict[str, Any]:
        if request.page_id not in self.verdicts:
            self.verdicts[request.page_id] = matching.verdict_record(
                request.page_id,
                request.timestamp_ms,
                request.meta,
                matching.best_match(request.matches),
                threshold=self.threshold,
                decided_at_s=decided_at_s,
                worker_version="local",
            )
        return self.verdicts[request.page_id]

    def _match(self, request: matching.BandRequest) -> tuple[matching.Match, ...]:
        return self._match_at(request.partition, request, request.keys)

    def _match_at(
        self, partition: int, request: matching.BandRequest, keys: tuple[str, ...]
    ) -> tuple[matching.Match, ...]:
        prefix = f"{partition}/"
        own_key = prefix + request.page_id
        update = matching.match_bands(
            request,
            {key: self.buckets.get(key, []) for key in keys},
            lambda page_id: self.signatures.get(prefix + page_id),
            threshold=self.threshold,
            bucket_capacity=self.bucket_capacity,
            params=self.params,
            already_indexed=own_key in self.signatures,
        )
        self.buckets.update(update.buckets)
        if update.new_signature:
            self.signatures[own_key] = request.signature
        return update.matches
