"""The indexer: enriched records -> Elasticsearch, near-duplicate clusters, identifiers, search, Kibana.

Public API (see docs/indexer.md)::

    indexer.sink.IndexSink(client, settings)             the Sink of ``tipwatch index``
    indexer.worker.run_indexer(settings, ...)            the consumer loop of ``tipwatch index``
    indexer.worker.record_crawl_run(client, settings, run)
    indexer.documents.post_document(post)                enriched record -> posts document
    indexer.search.PostSearch / SearchRequest / search_posts
    indexer.identifiers.identifier_report / top_identifiers / recompute_identifiers
    indexer.kibana_export.export_text / import_objects
"""
