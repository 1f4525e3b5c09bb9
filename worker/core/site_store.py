"""The profiles of many sites, bounded: an LRU over sites under a hard memory cap.

Each site's profile is one `bytes` value (site_memory.SiteProfile.to_bytes). The store
counts what every entry costs (the value, the key, the dictionary slot) and, past its cap,
forgets the sites used least recently: a site forgotten is a site seen for the first time
again, which gets today's per-page behaviour, never a wrong one. The runtime keeps one
store per assigned partition; this module knows nothing of partitions or Kafka.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

# What an OrderedDict entry costs beside its key and value: the hash table slot and the
# linked-list node (measured with tracemalloc over 100,000 entries: ~100 bytes).
ENTRY_OVERHEAD = 104
DEFAULT_MAX_BYTES = 180 * 1024 * 1024


@dataclass
class SiteStore:
    max_bytes: int = DEFAULT_MAX_BYTES
    _profiles: OrderedDict[str, bytes] = field(default_factory=OrderedDict)
    _bytes: int = 0
    evicted: int = 0  # sites forgotten for the cap, in all

    def get(self, site: str) -> bytes | None:
        """The site's profile, now the most recently used; None for a site not tracked."""
        profile = self._profiles.get(site)
        if profile is not None:
            self._profiles.move_to_end(site)
        return profile

    def put(self, site: str, profile: bytes) -> None:
        profiles = self._profiles
        old = profiles.get(site)
        profiles[site] = profile
        if old is None:
            self._bytes += _cost(site, profile)
        else:  # the same key and slot: only the value's size changes (bytes: 33 + len)
            profiles.move_to_end(site)
            self._bytes += len(profile) - len(old)
        while self._bytes > self.max_bytes and len(profiles) > 1:
            gone, value = profiles.popitem(last=False)
            self._bytes -= _cost(gone, value)
            self.evicted += 1

    def discard(self, site: str) -> None:
        old = self._profiles.pop(site, None)
        if old is not None:
            self._bytes -= _cost(site, old)

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, site: object) -> bool:
        return site in self._profiles

    def items(self) -> Iterator[tuple[str, bytes]]:
        return iter(list(self._profiles.items()))

    @property
    def bytes(self) -> int:
        """What the profiles cost, as counted against the cap."""
        return self._bytes


def _cost(site: str, profile: bytes) -> int:
    return sys.getsizeof(site) + sys.getsizeof(profile) + ENTRY_OVERHEAD
