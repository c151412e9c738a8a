"""The Scrapy project of tipwatch: spiders navigate, parsers extract, evidence is kept, records go to Kafka.

Public API::

    crawlers.runner.run_crawl(settings, sources, job_id=None, max_pages=None) -> CrawlResult
    crawlers.runner.run_crawl_subprocess(...)      the same in a fresh child process
    crawlers.result.CrawlResult                    pages, items, errors by reason, bytes, duration, manifest
    crawlers.spiders.SPIDERS                       source kind -> spider class
    crawlers.parsers.PARSERS                       source kind -> pure parser

See docs/crawlers.md.
"""
