"""Alert worker benchmark: latency from a raw record to its notification, and posts/s through the
alert worker against the indexer's consumer (``bench/alerts_measure.py``). Prints one JSON line.

``python bench/alerts.py [--posts N] [--latency-posts N] [--rules 1,100,1000]``; needs the local
stack (``tipwatch stack up``).

This entry point imports nothing at the top, like ``bench/index.py`` (see there): the indexer's
preparation worker imports the main module again, and importing the whole benchmark there made
the baseline's worker start late.
"""

if __name__ == "__main__":
    import sys

    from alerts_measure import main  # bench/ is the script's directory, first on sys.path

    sys.exit(main())
