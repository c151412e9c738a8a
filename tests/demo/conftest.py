"""Fixtures of the demo tests: the corpus and one demo server per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo.corpus import Corpus, load_corpus
from demo.server import DemoServer, serve


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """``demo/posts.yaml``, loaded and validated."""
    return load_corpus()


@pytest.fixture(scope="module")
def demo_server() -> Iterator[DemoServer]:
    """The demo served on a free loopback port."""
    server, _ = serve()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def base_url(demo_server: DemoServer) -> str:
    """``http://127.0.0.1:<port>`` of the module's server."""
    return demo_server.base_url
