"""Typed ``settings.yaml``: Kafka, Elasticsearch, paths, prefixes, the local stack.

Every setting has its default beside it. Any setting can be overridden by an environment
variable ``TIPWATCH_<SECTION>__<KEY>`` (for example ``TIPWATCH_KAFKA__BOOTSTRAP_SERVERS``).
Secrets are read only from the environment, never from files (see ``secrets.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tipwatch.config.alerts import AlertSettings


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KafkaSettings(_Section):
    """Where the Kafka cluster is and how topics are named."""

    bootstrap_servers: list[str] = Field(default_factory=lambda: ["127.0.0.1:9092"])
    """host:port of one or more brokers."""
    topic_prefix: str = "tipwatch."
    """Prefix of every topic name (``tipwatch.posts.raw`` …); tests use unique prefixes."""
    partitions: int = Field(default=3, ge=1)
    """Partitions per topic created by ``tipwatch setup`` (the most consumers one group can use)."""
    replication_factor: int = Field(default=1, ge=1)
    """Replicas per partition; 3 on a production cluster."""
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    """The SASL password comes from ``TIPWATCH_KAFKA_SASL_PASSWORD``."""
    ssl_cafile: Path | None = None
    client_id: str = "tipwatch"
    max_message_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    """Largest record the producer sends; larger posts are truncated by crawlers, not lost."""
    session_timeout_ms: int = Field(default=10_000, ge=6000)
    """A consumer that stops heartbeating (killed) loses its partitions after this long."""
    poll_timeout_ms: int = Field(default=500, ge=10)
    max_poll_records: int = Field(default=500, ge=1)
    connect_timeout_s: float = Field(default=30.0, gt=0)
    """How long a client waits for the first broker answer before saying Kafka is unreachable."""
    retry_backoff_max_s: float = Field(default=30.0, gt=0)
    """Upper bound of the exponential backoff while the broker is unreachable."""


class ElasticsearchSettings(_Section):
    """Where Elasticsearch is and how indices are named."""

    hosts: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:9200"])
    index_prefix: str = "tipwatch-"
    """Prefix of every index and alias (``tipwatch-posts`` …); tests use unique prefixes."""
    username: str | None = None
    """Basic-auth user; the password comes from ``TIPWATCH_ES_PASSWORD``. An API key from
    ``TIPWATCH_ES_API_KEY`` wins over user/password."""
    ca_certs: Path | None = None
    verify_certs: bool = True
    request_timeout_s: float = Field(default=30.0, gt=0)
    bulk_chunk_size: int = Field(default=500, ge=1)
    max_retries: int = Field(default=8, ge=0)


class PathSettings(_Section):
    """Local folders (relative paths are relative to the project root / working directory)."""

    state_dir: Path = Path(".tipwatch")
    """Local stack binaries, data and logs; git-ignored."""
    evidence_dir: Path = Path(".tipwatch/evidence")
    """WARC files, screenshots and manifests, one folder per crawl job."""
    spool_dir: Path = Path(".tipwatch/spool")
    """Records that could not be delivered to Kafka, re-sent on the next start."""


class StackSettings(_Section):
    """The local Kafka + Elasticsearch started by ``tipwatch stack up``."""

    kafka_version: str = "4.3.1"
    kafka_port: int = Field(default=9092, ge=1, le=65535)
    kafka_controller_port: int = Field(default=9093, ge=1, le=65535)
    kafka_heap: str = "512m"
    elasticsearch_version: str = "9.5.4"
    elasticsearch_port: int = Field(default=9200, ge=1, le=65535)
    elasticsearch_heap_min: str = "512m"
    elasticsearch_heap_max: str = "1g"
    elasticsearch_user: str = "tipwatch-es"
    """System user that runs Elasticsearch when tipwatch runs as root (ES refuses root)."""
    elasticsearch_security: bool = False
    """Start the local Elasticsearch with security (TLS + auth) on, to test secured clusters."""
    start_timeout_s: float = Field(default=180.0, gt=0)


class SchedulingSettings(_Section):
    """Crawl scheduling: the per-source lease that keeps two runs of one source apart."""

    lease_s: float = Field(default=90.0, ge=10)
    """Lifetime of a crawl lease; the worker renews it every third of it. A worker that died (kill -9,
    power loss) blocks its source for at most this long, then the re-delivered job takes over."""
    lease_wait_s: float | None = Field(default=None, ge=0)
    """How long a re-delivered job waits for its dead worker's lease to expire before it is recorded
    ``cancelled``; default: ``lease_s`` plus a few seconds."""


class Settings(_Section):
    """All of ``settings.yaml``."""

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    elasticsearch: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)
    paths: PathSettings = Field(default_factory=PathSettings)
    stack: StackSettings = Field(default_factory=StackSettings)
    scheduling: SchedulingSettings = Field(default_factory=SchedulingSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    def topic(self, name: str) -> str:
        """Full topic name: ``topic("posts.raw")`` -> ``tipwatch.posts.raw``."""
        return f"{self.kafka.topic_prefix}{name}"

    def index(self, name: str) -> str:
        """Full index/alias name: ``index("posts")`` -> ``tipwatch-posts``."""
        return f"{self.elasticsearch.index_prefix}{name}"


TOPICS = ("crawl.jobs", "posts.raw", "posts.enriched", "alerts", "deadletter")
"""The topics of DESIGN.md, without prefix."""
