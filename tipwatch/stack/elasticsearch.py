"""The local Elasticsearch: Elastic's integration-test zip from Maven, run as a non-root user."""

from __future__ import annotations

import base64
import json
import os
import pwd
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from string import Template

from tipwatch.config.settings import Settings
from tipwatch.errors import StackError
from tipwatch.stack import maven, process, relocated
from tipwatch.stack.java import find_java
from tipwatch.stack.server import ServerStatus

STACK_FILES = Path(__file__).resolve().parents[2] / "stack" / "elasticsearch"


class ElasticsearchServer:
    """One single-node Elasticsearch on 127.0.0.1."""

    name = "elasticsearch"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stack = settings.stack
        self.wanted = settings.paths.state_dir.resolve() / "elasticsearch"
        """The home in the project's state folder; ``home`` is elsewhere when the service user cannot reach it."""
        self.home = relocated.home_for(self.wanted)
        self.dist = self.home / "dist"
        self.es_home = self.dist / f"elasticsearch-{self.stack.elasticsearch_version}"
        self.conf = self.home / "config"
        self.data = self.home / "data"
        self.logs = self.home / "logs"
        self.log = self.logs / "console.log"
        self.pid_file = self.home / relocated.PID_FILE
        self.server_pid_file = self.logs / "server.pid"

    def install(self) -> None:
        """Fetch and unpack the distribution (once per version) and write its config. As root, first
        remove the relocated homes of deleted projects (``relocated.py``)."""
        if os.geteuid() == 0:
            relocated.prune()
        relocated.record_owner(self.home, self.wanted)
        if not (self.es_home / "bin" / "elasticsearch").exists():
            zips = self.home / "zip"
            maven.copy_dependencies(
                STACK_FILES / "pom.xml", zips, {"elasticsearch.version": self.stack.elasticsearch_version},
                self.home / "mvn.log",
            )
            archive = next(zips.glob("elasticsearch-*.zip"), None)
            if archive is None:
                raise StackError(f"mvn did not deliver the Elasticsearch zip; see {self.home / 'mvn.log'}")
            shutil.rmtree(self.dist, ignore_errors=True)
            maven.unzip(archive, self.dist)
        self._write_config()
        self._own()

    def _write_config(self) -> None:
        if self.conf.exists():
            shutil.rmtree(self.conf)
        shutil.copytree(self.es_home / "config", self.conf)
        security = "xpack.security.enabled: false"
        if self.stack.elasticsearch_security:
            security = _secure_config(self.conf)
        text = Template((STACK_FILES / "elasticsearch.yml.template").read_text()).substitute(
            port=self.stack.elasticsearch_port, transport_port=self.stack.elasticsearch_port + 100,
            data_dir=self.data, logs_dir=self.logs, security=security,
        )
        (self.conf / "elasticsearch.yml").write_text(text)
        heap = f"-Xms{self.stack.elasticsearch_heap_min}\n-Xmx{self.stack.elasticsearch_heap_max}\n"
        (self.conf / "jvm.options.d").mkdir(exist_ok=True)
        (self.conf / "jvm.options.d" / "tipwatch-heap.options").write_text(heap)
        self.data.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)

    def _user(self) -> pwd.struct_passwd | None:
        """The service user when running as root (created if missing); None otherwise."""
        if os.geteuid() != 0:
            return None
        name = self.stack.elasticsearch_user
        try:
            return pwd.getpwnam(name)
        except KeyError:
            result = subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                capture_output=True, text=True, check=False,
            )
            if result.returncode != 0:
                raise StackError(
                    f"Elasticsearch refuses to run as root and creating the user {name!r} failed: "
                    f"{result.stderr.strip()}"
                ) from None
            return pwd.getpwnam(name)

    def _own(self) -> None:
        user = self._user()
        if user is None:
            return
        for path in [self.home, *self.home.rglob("*")]:
            os.lchown(path, user.pw_uid, user.pw_gid)

    def pid(self) -> int | None:
        """The launcher's pid when Elasticsearch runs."""
        return process.read_pid(self.pid_file)

    def start(self) -> int:
        """Start Elasticsearch in the background (as the service user when root); the launcher pid."""
        if process.port_open(self.stack.elasticsearch_port):
            raise StackError(
                f"port {self.stack.elasticsearch_port} is already taken by another program; stop it or set "
                f"stack.elasticsearch_port in config/settings.yaml"
            )
        java_home = find_java(21)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ES_JAVA_HOME": str(java_home),
            "ES_PATH_CONF": str(self.conf), "HOME": str(self.home), "LANG": "C.UTF-8",
        }
        user = self._user()
        self.logs.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            child = subprocess.Popen(
                [str(self.es_home / "bin" / "elasticsearch"), "-p", str(self.server_pid_file)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                cwd=self.home, start_new_session=True,
                user=user.pw_uid if user else None, group=user.pw_gid if user else None,
                extra_groups=[] if user else None,
            )
        self.pid_file.write_text(str(child.pid))
        return child.pid

    def url(self) -> str:
        """Base URL of the local server."""
        scheme = "https" if self.stack.elasticsearch_security else "http"
        return f"{scheme}://127.0.0.1:{self.stack.elasticsearch_port}"

    def health(self) -> dict | None:
        """``_cluster/health`` as a dict, or None when it does not answer."""
        request = urllib.request.Request(f"{self.url()}/_cluster/health")
        context = None
        if self.stack.elasticsearch_security:
            from tipwatch.config.secrets import secret

            context = ssl.create_default_context(cafile=str(self.conf / "certs" / "ca.crt"))
            token = base64.b64encode(f"elastic:{secret('elasticsearch.password') or ''}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=3, context=context) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def ready(self) -> bool:
        """True when the cluster is at least yellow."""
        if not process.port_open(self.stack.elasticsearch_port):
            return False
        health = self.health()
        return health is not None and health.get("status") in ("yellow", "green")

    def status(self) -> ServerStatus:
        """Version, port, pid, data dir and memory (launcher plus server JVM)."""
        pid = self.pid()
        rss = None
        if pid:
            pids = [pid, *process.children(pid)]
            server = process.read_pid(self.server_pid_file)
            if server and server not in pids:
                pids.append(server)
            rss = sum(process.rss_bytes(p) or 0 for p in pids)
        return ServerStatus(
            name=self.name, version=self.stack.elasticsearch_version, port=self.stack.elasticsearch_port,
            pid=pid, data_dir=self.data, log_file=self.log, rss=rss, running=pid is not None,
        )

    def remove_home(self) -> None:
        """Delete the server's folder (distribution, config, data, logs), for a stack made for a test;
        a home relocated under ``ROOT_HOME`` takes its folder there with it."""
        if relocated.is_relocated(self.home):
            shutil.rmtree(self.home.parent, ignore_errors=True)
        else:
            shutil.rmtree(self.home, ignore_errors=True)

    def stop(self) -> bool:
        """Stop Elasticsearch (SIGTERM to the launcher, SIGKILL after a grace period)."""
        pid = self.pid()
        if pid is None:
            return False
        server = process.read_pid(self.server_pid_file)
        process.stop(pid, grace_s=30)
        if server and process.alive(server):
            process.stop(server, grace_s=10)
        self.pid_file.unlink(missing_ok=True)
        return True


def _secure_config(conf: Path) -> str:
    """Security settings for a TLS + auth local node: certificates (``conf/certs``, CA in ``ca.crt``)
    and the ``elastic`` user's password from ``TIPWATCH_ES_PASSWORD`` as ``bootstrap.password``.

    Clients connect with ``elasticsearch.username: elastic``, ``ca_certs: <conf>/certs/ca.crt``.
    """
    from tipwatch.config.secrets import secret
    from tipwatch.stack.certs import write_certificates

    password = secret("elasticsearch.password")
    if not password or len(password) < 6:
        raise StackError("a secured local Elasticsearch needs the elastic user's password (6+ characters) "
                         "in TIPWATCH_ES_PASSWORD")
    write_certificates(conf / "certs")
    homes = sorted((conf.parent / "dist").glob("elasticsearch-*/bin/elasticsearch-keystore"))
    if not homes:
        raise StackError(f"no elasticsearch-keystore under {conf.parent / 'dist'}; install the stack first")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ES_JAVA_HOME": str(find_java(21)),
           "ES_PATH_CONF": str(conf), "LANG": "C.UTF-8"}
    keystore = str(homes[-1])
    steps = [([keystore, "add", "-x", "-f", "bootstrap.password"], password)]
    if not (conf / "elasticsearch.keystore").exists():
        steps.insert(0, ([keystore, "create", "-s"], None))
    for args, stdin in steps:
        try:
            result = subprocess.run(args, input=stdin, capture_output=True, text=True, env=env, check=False,
                                    timeout=120)
        except subprocess.TimeoutExpired as exc:
            raise StackError(f"elasticsearch-keystore {args[1]} did not finish in 120 s") from exc
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip()[-300:]
            raise StackError(f"elasticsearch-keystore {args[1]} failed: {detail}")
    return "\n".join([
        "xpack.security.enabled: true",
        "xpack.security.http.ssl.enabled: true",
        "xpack.security.http.ssl.key: certs/node.key",
        "xpack.security.http.ssl.certificate: certs/node.crt",
        "xpack.security.http.ssl.certificate_authorities: certs/ca.crt",
        "xpack.security.transport.ssl.enabled: false",
    ])
