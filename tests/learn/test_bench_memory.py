from worker.core.site_memory import MemorySettings
from worker.learn.bench_memory import bench_site_memory, format_site_memory


def test_the_store_counts_against_its_cap_what_python_allocates_for_it() -> None:
    settings = MemorySettings(window=8, max_fingerprints=256)
    figures = bench_site_memory(5_000, settings)
    # 6 bytes a fingerprint (value and mask), 4 a page URL, then the entry's overhead.
    assert figures["bytes_per_site"] >= 6 * 256 + 4 * 8
    assert 0.85 <= figures["traced_mb"] / figures["counted_mb"] <= 1.15
    assert figures["lookup_us_200_segments"] > 0 and figures["update_us_200_segments"] > 0
    assert "5,000 sites" in format_site_memory(figures)
