"""Fetching server jars and distributions with ``mvn`` (cached in ~/.m2; nothing is committed)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

from tipwatch.errors import StackError

DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


def _mvn(args: list[str], what: str, log: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("Maven ('mvn') is not installed; run 'apt-get install maven' (make run/test do this)")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        result = subprocess.run([mvn, "-B", "-q", *args], stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise StackError(f"could not download {what} with mvn (exit {result.returncode}); see {log}")


def copy_dependencies(pom: Path, output: Path, properties: dict[str, str], log: Path) -> None:
    """Resolve a pom's runtime dependencies into ``output`` (skipped when already there)."""
    marker = output / ".complete"
    wanted = " ".join(f"{k}={v}" for k, v in sorted(properties.items()))
    if marker.exists() and marker.read_text() == wanted:
        return
    if output.exists():
        shutil.rmtree(output)
    args = [
        "-f", str(pom), f"{DEPENDENCY_PLUGIN}:copy-dependencies",
        "-DincludeScope=runtime", f"-DoutputDirectory={output}",
        *(f"-D{k}={v}" for k, v in sorted(properties.items())),
    ]
    _mvn(args, f"the jars of {pom.parent.name}", log)
    marker.write_text(wanted)


def fetch_artifact(coordinates: str, log: Path) -> Path:
    """Download one artifact (``group:artifact:version:packaging``) into ~/.m2; its local path."""
    group, artifact, version, packaging = coordinates.split(":")
    local = Path.home() / ".m2" / "repository" / Path(*group.split(".")) / artifact / version
    path = local / f"{artifact}-{version}.{packaging}"
    if not path.exists():
        _mvn([f"{DEPENDENCY_PLUGIN}:get", f"-Dartifact={coordinates}", "-Dtransitive=false"], coordinates, log)
    if not path.exists():
        raise StackError(f"mvn reported success but {path} is missing; see {log}")
    return path


def unzip(archive: Path, target: Path) -> None:
    """Unpack a zip keeping the executable bits (zipfile alone drops them)."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            extracted = Path(zipped.extract(info, target))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                extracted.chmod(mode)
