"""Crawl scheduling: when a source is due (``due``), state in Elasticsearch (``state``), the lease that
keeps two runs of one source apart (``lease``), the scheduler that emits jobs (``scheduler``) and the
crawl worker that runs them (``worker``). Split as scrapyd splits poller (when) and launcher (how)."""
