"""Indexer benchmark: ``tipwatch index`` (Kafka -> Elasticsearch) against bare ``helpers.bulk``, and
search latency for typical analyst queries (``bench/index_rounds.py``). Prints one JSON line.

``python bench/index.py --posts 100000``; needs the local stack (``tipwatch stack up``).

This entry point imports nothing at the top, like the ``tipwatch`` command: the indexer's
preparation worker (``multiprocessing``, ``forkserver``) imports the main module again, and
importing the benchmark there (Elasticsearch client, Kafka, enrichment: about a second) made the
worker start at 1.2-1.7 s instead of 0.4-0.6 s, while the consumer prepared its first batches
inline. ``tipwatch index`` does not pay that; the benchmark should not either.
"""

if __name__ == "__main__":
    import sys

    from index_rounds import main  # bench/ is the script's directory, first on sys.path

    sys.exit(main())
