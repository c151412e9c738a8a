"""Downloader middlewares of tipwatch's crawlers, one per file (listed in ``crawlers/settings.py``)."""
