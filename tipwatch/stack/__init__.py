"""The local stack: real Apache Kafka and Elasticsearch on 127.0.0.1, installed from Maven Central."""

from tipwatch.stack.local import LocalStack, UpReport

__all__ = ["LocalStack", "UpReport"]
