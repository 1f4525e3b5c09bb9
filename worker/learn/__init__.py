"""Training, evaluation and benchmarks of the segment classifier (reads ../shared/data)."""
