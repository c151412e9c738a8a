"""The local Apache Kafka broker: jars from Maven, KRaft storage format, start, readiness, stop."""

from __future__ import annotations

import base64
import subprocess
import uuid
from pathlib import Path
from string import Template

from tipwatch.config.settings import Settings
from tipwatch.errors import StackError
from tipwatch.stack import maven, process
from tipwatch.stack.java import find_java
from tipwatch.stack.server import ServerStatus

STACK_FILES = Path(__file__).resolve().parents[2] / "stack" / "kafka"


def new_cluster_id() -> str:
    """A random Kafka cluster id (a UUID in URL-safe base64), never starting with ``-``: Kafka's own
    ``random-uuid`` avoids those too, as command-line tools would read one as an option (1 in 64)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id


class KafkaServer:
    """One combined broker + controller on 127.0.0.1, state under ``<state_dir>/kafka``."""

    name = "kafka"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stack = settings.stack
        self.home = settings.paths.state_dir.resolve() / "kafka"
        self.libs = self.home / "libs"
        self.data = self.home / "data"
        self.log = self.home / "broker.log"
        self.pid_file = self.home / "broker.pid"
        self.config = self.home / "server.properties"

    def install(self) -> None:
        """Fetch the broker jars (once per version) and write the broker config."""
        maven.copy_dependencies(
            STACK_FILES / "pom.xml", self.libs, {"kafka.version": self.stack.kafka_version},
            self.home / "mvn.log",
        )
        template = Template((STACK_FILES / "server.properties.template").read_text())
        self.config.write_text(template.substitute(
            port=self.stack.kafka_port, controller_port=self.stack.kafka_controller_port, data_dir=self.data,
        ))

    def pid(self) -> int | None:
        """The broker's pid when it runs."""
        return process.read_pid(self.pid_file)

    def _java(self) -> list[str]:
        java = find_java(17) / "bin" / "java"
        return [
            str(java), f"-Dlog4j2.configurationFile={STACK_FILES / 'log4j2.properties'}",
            "-cp", f"{self.libs}/*",
        ]

    def start(self) -> int:
        """Format storage if new, then start the broker in the background; its pid."""
        for port in (self.stack.kafka_port, self.stack.kafka_controller_port):
            if process.port_open(port):
                raise StackError(
                    f"port {port} is already taken by another program; stop it or set "
                    f"stack.kafka_port / stack.kafka_controller_port in config/settings.yaml"
                )
        if not (self.data / "meta.properties").exists():
            result = subprocess.run(
                [*self._java(), "kafka.tools.StorageTool", "format", f"--cluster-id={new_cluster_id()}",
                 "-c", str(self.config), "--ignore-formatted"],
                capture_output=True, text=True, check=False,
            )
            if result.returncode != 0:
                raise StackError(f"formatting Kafka storage failed: {result.stderr.strip()[-500:]}")
        heap = self.stack.kafka_heap
        with self.log.open("ab") as log:
            child = subprocess.Popen(
                [*self._java()[:2], f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                 "-Djava.awt.headless=true", *self._java()[2:], "kafka.Kafka", str(self.config)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        self.pid_file.write_text(str(child.pid))
        return child.pid

    def ready(self) -> bool:
        """True when the broker answers a metadata request."""
        if not process.port_open(self.stack.kafka_port):
            return False
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        try:
            admin = KafkaAdminClient(
                bootstrap_servers=f"127.0.0.1:{self.stack.kafka_port}", request_timeout_ms=5000,
                client_id="tipwatch-stack",
            )
        except KafkaError:
            return False
        try:
            admin.list_topics()
            return True
        except KafkaError:
            return False
        finally:
            admin.close()

    def version(self) -> str:
        """The broker version from its jar name."""
        jars = sorted(self.libs.glob("kafka_2.13-*.jar"))
        return jars[0].stem.split("-", 1)[1] if jars else self.stack.kafka_version

    def status(self) -> ServerStatus:
        """Version, port, pid, data dir and memory."""
        pid = self.pid()
        return ServerStatus(
            name=self.name, version=self.version(), port=self.stack.kafka_port, pid=pid,
            data_dir=self.data, log_file=self.log, rss=process.rss_bytes(pid) if pid else None,
            running=pid is not None,
        )

    def stop(self) -> bool:
        """Stop the broker (SIGTERM, SIGKILL after a grace period). True if one was running."""
        pid = self.pid()
        if pid is None:
            return False
        process.stop(pid, grace_s=30)
        self.pid_file.unlink(missing_ok=True)
        return True

