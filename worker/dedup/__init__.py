"""Near-duplicate and syndicated articles across the fleet: MinHash, LSH bands, faust tables."""
