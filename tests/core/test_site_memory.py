import zlib
from urllib.parse import urlsplit

import numpy as np
import pytest

from worker.core import site_memory
from worker.core.site_memory import (
    MemorySettings,
    SiteProfile,
    fingerprint,
    fingerprints,
    remember,
    seen_on,
    url_fingerprint,
)
from worker.core.site_store import SiteStore

SETTINGS = MemorySettings(window=4, max_fingerprints=64)
MENU = ["Home", "News", "Sport", "Contact us", "© 2026 Example Media"]


def _page(*extra: str) -> list[str]:
    return [*MENU, *extra]


def _remember_all(pages: list[list[str]], settings: MemorySettings = SETTINGS) -> SiteProfile:
    profile = SiteProfile.empty(settings.window)
    for number, texts in enumerate(pages):
        profile = remember(profile, fingerprints(texts), number + 1, settings)
    return profile


def test_text_is_the_same_whatever_its_case_and_spacing() -> None:
    assert fingerprint("Contact  Us ") == fingerprint("contact us")
    assert fingerprint("Contact us") != fingerprint("Contact them")
    assert fingerprint(" ") == 0 and fingerprint("") == 0
    texts = ["Contact  Us", "ÉTÉ 2026", "", "a\nb"]  # the page at once, or one by one
    assert fingerprints(texts).tolist() == [fingerprint(t) for t in texts]
    assert fingerprints(texts[:3]).tolist() == [fingerprint(t) for t in texts[:3]]


def test_a_url_is_the_same_page_whatever_its_query() -> None:
    assert url_fingerprint("https://ex.org/a?utm_source=x#top") == url_fingerprint(
        "https://ex.org/a"
    )
    assert url_fingerprint("https://ex.org/a") != url_fingerprint("https://ex.org/b")


def test_counts_say_on_how_many_of_the_last_pages_each_segment_was_seen() -> None:
    profile = _remember_all([_page("Story one."), _page("Story two."), ["Home", "Story three."]])
    counts, pages = seen_on(profile, fingerprints(_page("Story four.", "Story two.")), 99)
    assert pages == 3
    assert counts.tolist() == [3, 2, 2, 2, 2, 0, 1]


def test_only_the_window_counts() -> None:
    pages = [_page(f"Story {n}.") for n in range(3)] + [["Fresh layout"]] * 4
    profile = _remember_all(pages)
    counts, seen = seen_on(profile, fingerprints([*MENU, "Fresh layout"]), 99)
    assert seen == 4
    assert counts.tolist() == [0] * len(MENU) + [4]
    assert len(profile.fingerprints) == 1  # the old menu left the window and the profile


def test_earlier_fetches_of_the_same_url_do_not_count() -> None:
    profile = SiteProfile.empty(4)
    profile = remember(profile, fingerprints(_page("Story.")), 7, SETTINGS)
    profile = remember(profile, fingerprints(_page("Other.")), 8, SETTINGS)
    counts, pages = seen_on(profile, fingerprints(_page("Story.")), 7)
    assert pages == 1
    assert counts.tolist() == [1] * len(MENU) + [0]


def test_a_first_seen_site_has_nothing_to_count() -> None:
    counts, pages = seen_on(SiteProfile.empty(8), fingerprints(MENU), 1)
    assert pages == 0 and not counts.any()


def test_past_m_fingerprints_the_ones_seen_on_most_pages_stay_then_the_latest() -> None:
    settings = MemorySettings(window=4, max_fingerprints=12)
    pages = [_page(*(f"paragraph {n} of page {chr(97 + p)}" for n in "abcde")) for p in range(3)]
    profile = _remember_all(pages, settings)
    assert len(profile.fingerprints) == 12
    counts, _ = seen_on(profile, fingerprints(pages[-1]), 99)
    assert counts.tolist() == [3] * len(MENU) + [1] * 5  # the menu, then the latest page
    older, _ = seen_on(profile, fingerprints(pages[0][len(MENU) :]), 99)
    assert older.sum() <= 2  # what is left of the older pages fills the rest


def test_the_profile_is_bytes_that_restore_it() -> None:
    profile = _remember_all([_page("Story one."), _page("Story two.")])
    data = profile.to_bytes()
    again = SiteProfile.from_bytes(data)
    assert again.pages_seen == 2 and again.window == 4
    assert again.to_bytes() == data
    page = fingerprints(_page("x"))
    assert seen_on(again, page, 5)[0].tolist() == seen_on(profile, page, 5)[0].tolist()


@pytest.mark.parametrize(
    "data", [b"", b"CSM1" + bytes(8), b"XXXX" + bytes(20), _remember_all([MENU]).to_bytes()[:-1]]
)
def test_bytes_that_are_not_a_profile_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        SiteProfile.from_bytes(data)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="window"):
        MemorySettings(window=17)
    with pytest.raises(ValueError, match="min_share"):
        MemorySettings(min_share=0.0)


def test_remember_does_not_change_the_profile_it_is_given() -> None:
    profile = _remember_all([_page("a")])
    before = profile.to_bytes()
    remember(profile, fingerprints(_page("b")), 2, SETTINGS)
    assert profile.to_bytes() == before


def test_the_store_forgets_the_least_recently_used_sites_past_its_cap() -> None:
    value = _remember_all([_page("a")]).to_bytes()
    store = SiteStore(max_bytes=10_000)
    for n in range(100):
        store.put(f"site{n}.example", value)
        store.get("site0.example")  # used all along: never the least recent
    assert store.bytes <= 10_000
    assert "site0.example" in store and "site99.example" in store
    assert "site1.example" not in store
    assert store.evicted == 100 - len(store)
    store.discard("site0.example")
    assert "site0.example" not in store


def test_the_store_counts_a_replaced_profile_once() -> None:
    store = SiteStore()
    small, large = (
        _remember_all([MENU]).to_bytes(),
        _remember_all([_page("a"), _page("b")]).to_bytes(),
    )
    store.put("a.example", small)
    first = store.bytes
    store.put("a.example", large)
    assert store.bytes == first + len(large) - len(small)
    assert len(store) == 1


def test_fingerprints_keep_page_order_and_zero_for_empty_segments() -> None:
    prints = site_memory.fingerprints(["Home", " ", "Home"])
    assert prints.dtype == np.uint32
    assert prints[0] == prints[2] != 0 and prints[1] == 0


@pytest.mark.parametrize("seed", range(10))
def test_the_compiled_update_is_seen_on_then_remember(seed: int) -> None:
    rng = np.random.default_rng(seed)
    settings = MemorySettings(window=int(rng.integers(1, 17)), max_fingerprints=40)
    # repeats and some zeros; small prints, or any 32 bits (every byte of the sort's keys)
    largest = 120 if seed % 2 else 2**32 - 1
    vocabulary = np.append(rng.integers(0, largest, 60, dtype=np.uint64), 0).astype(np.uint32)
    profile: SiteProfile | None = None
    for number in range(12):
        page = rng.choice(vocabulary, int(rng.integers(0, 50)))
        url = int(rng.integers(0, 4))  # the same URLs come again
        before = profile or SiteProfile.empty(settings.window)
        counts, pages = seen_on(before, page, url)
        expected = remember(before, page, url, settings)
        got_counts, got_pages, hits, after = site_memory.seen_and_remembered(
            None if profile is None else profile.to_bytes(), page, url, settings
        )
        if profile is not None:
            assert got_counts.tolist() == counts.tolist() and got_pages == pages
            assert hits == int(np.count_nonzero(counts))
        assert after == expected.to_bytes(), (seed, number)
        profile = SiteProfile.from_bytes(after)


def test_the_compiled_update_refuses_what_is_not_a_profile() -> None:
    with pytest.raises(ValueError, match="site profile"):
        site_memory.seen_and_remembered(b"XXXX" + bytes(8), fingerprints(MENU), 1, SETTINGS)


# Texts that cross the compiled fast path's 8-byte steps at every offset: words of case,
# multibyte and lone-surrogate characters and the bytes beside the ASCII letters ('@', '[',
# '`', '{'), half of them joined by single spaces (normal: the fast path), half by runs of
# every ASCII whitespace, leading and trailing too (the byte-at-a-time way).
_LETTERS = ["a", "Z", "q", "M", "@[`{", "É", "ß", "中", "\ud800", "7."]
_BLANKS = [" ", "  ", "\t", "\x0b", "\x0c", "\r", " \r\n"]


def _random_text(rng: np.random.Generator, normal: bool) -> str:
    words = ["".join(rng.choice(_LETTERS, int(rng.integers(1, 9))).tolist()) for _ in range(8)]
    words = words[: int(rng.integers(0, 9))]
    if normal:
        return " ".join(words)
    inner = [*rng.choice(_BLANKS, len(words)).tolist()[1:], ""]
    ends = rng.choice(["", *_BLANKS], 2).tolist()  # a blank at either end, or none
    return ends[0] + "".join(w + b for w, b in zip(words, inner, strict=False)) + ends[1]


@pytest.mark.parametrize("seed", range(8))
def test_the_compiled_fingerprints_are_the_python_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    texts = [_random_text(rng, normal=number % 2 == 0) for number in range(400)]
    texts += ["Contact us", "Plain text of a normal line, 40 bytes!", " ", ""]
    expected = [fingerprint(text) for text in texts]
    assert fingerprints(texts).tolist() == expected
    # one segment per line, as PageSegments.utf8 holds them (its texts have no newline)
    lines = [text for text in texts if "\n" not in text]
    joined = "\n".join(lines).encode("utf-8", "surrogatepass")
    got = site_memory.joined_fingerprints(joined, len(lines)).tolist()
    assert got == [fingerprint(line) for line in lines]


def test_joined_fingerprints_refuse_a_count_the_newlines_do_not_give() -> None:
    assert site_memory.joined_fingerprints(b"", 0).tolist() == []
    assert site_memory.joined_fingerprints(b"", 1).tolist() == [0]
    with pytest.raises(ValueError, match="3 segments need 2 newlines"):
        site_memory.joined_fingerprints(b"a\nb", 3)
    with pytest.raises(ValueError, match="1 segments need 0 newlines"):
        site_memory.joined_fingerprints(b"a\nb", 1)


def _urlsplit_fingerprint(url: str) -> int:
    """url_fingerprint's definition, by urlsplit alone."""
    parts = urlsplit(url)
    return zlib.crc32(f"{parts.netloc.lower()}{parts.path}".encode("utf-8", "surrogatepass"))


_URLS = [
    "https://Ex.ORG/a/B?utm_source=x#top",
    "https://ex.org",
    "https://ex.org?q=1",
    "https://ex.org#f",
    "HTTP://user:pw@Ex.org:8080/p;params/x.html",
    "http:///no-host",
    "https://ex.org/é/中?x",
    "https://exämple.org/a",
    "https://[::1]:80/v6",
    "https://ex.org/a b",
    "https://ex.org/a\tb/\r\nc",
    " https://ex.org/lead",
    "https://ex.org/trail ",
    "https://ex.org/trail\n",
    "https://ex.org\\back\\slash",
    "https://ex.org/%7Euser/?a#b?c",
    "mailto:someone@ex.org",
    "ex.org/no-scheme",
    "//ex.org/no-scheme",
    "https:/one-slash",
    "1http://digit-led.org/",
    "page://site/42",
    "",
]


def test_the_url_fast_path_reads_urls_as_urlsplit_does() -> None:
    for url in _URLS:
        assert url_fingerprint(url) == _urlsplit_fingerprint(url), url
    rng = np.random.default_rng(0)
    pieces = ["http", "s", "://", ":", "/", "?", "#", "[", "]", "@", "\\", " ", "\t", "A", "é", "."]
    for _ in range(3000):
        start = "https://ex.org" if rng.random() < 0.7 else ""  # most take the fast path
        url = start + "".join(rng.choice(pieces, int(rng.integers(0, 12))).tolist())
        try:
            expected = _urlsplit_fingerprint(url)
        except ValueError:  # "Invalid IPv6 URL": the fast path must not take it either
            with pytest.raises(ValueError):
                url_fingerprint(url)
            continue
        assert url_fingerprint(url) == expected, repr(url)
