"""Generate ``demo/site/`` from ``demo/posts.yaml``: ``python -m demo.build [--out DIR] [--check]``.

The generated site is committed so the demo needs no build step (static files are served straight
from ``demo/assets``, not copied); ``--check`` (and a test) fails when
it is out of date. What is generated:

    index.html                 the list of demo sources
    robots.txt                 allows everything
    jobs/index.html            job board list page 1 (served at /jobs/)
    jobs/page/<n>.html         list page n (served at /jobs/?page=<n>)
    jobs/<id>.html             one detail page per job
    classifieds/index.html     empty container + inline JSON of the first ads + script
    classifieds/data.json      the ads behind "Show more"
    feed.xml                   RSS 2.0
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

from demo.corpus import Corpus, load_corpus
from demo.pages import (
    classifieds_data,
    job_pages,
    render_classifieds,
    render_feed,
    render_index,
    render_job_detail,
    render_job_list,
)

DEMO_DIR = Path(__file__).resolve().parent
SITE_DIR = DEMO_DIR / "site"
ASSETS_DIR = DEMO_DIR / "assets"
ROBOTS = "# tipwatch demo: crawling is welcome.\nUser-agent: *\nAllow: /\n"


def site_files(corpus: Corpus) -> dict[str, str]:
    """Every generated text file of the site by relative path."""
    files = {"index.html": render_index(corpus), "robots.txt": ROBOTS, "feed.xml": render_feed(corpus),
             "classifieds/index.html": render_classifieds(corpus), "classifieds/data.json": classifieds_data(corpus)}
    for page in range(1, job_pages(corpus) + 1):
        files["jobs/index.html" if page == 1 else f"jobs/page/{page}.html"] = render_job_list(corpus, page)
    for job in corpus.of("jobboard"):
        files[f"jobs/{job.number}.html"] = render_job_detail(corpus, job)
    return files


def build(out: Path, corpus: Corpus | None = None) -> list[Path]:
    """Write the site into ``out`` (made empty first: it must be new, empty or ``demo/site``); the paths written."""
    corpus = corpus or load_corpus()
    out = out.resolve()
    if out.exists() and out != SITE_DIR and any(out.iterdir()):
        raise ValueError(f"{out} is not empty: build into a new folder or into {SITE_DIR}")
    if out.exists():
        shutil.rmtree(out)
    written = []
    for relative, text in site_files(corpus).items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def differences(expected: Path, actual: Path) -> list[str]:
    """Relative paths that differ between two site trees (missing on either side or different bytes)."""
    def tree(root: Path) -> set[str]:
        return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()

    left, right = tree(expected), tree(actual)
    changed = [name for name in left & right if not filecmp.cmp(expected / name, actual / name, shallow=False)]
    return sorted((left ^ right) | set(changed))


def main(argv: list[str] | None = None) -> int:
    """Build the site (default: into demo/site), or with ``--check`` report whether it is up to date."""
    parser = argparse.ArgumentParser(prog="python -m demo.build", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SITE_DIR, help="folder to write (default: demo/site)")
    parser.add_argument("--check", action="store_true", help="only compare a fresh build with --out")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as scratch:
            fresh = Path(scratch) / "site"
            build(fresh)
            changed = differences(fresh, args.out)
        if changed:
            print(f"{args.out} is out of date ({len(changed)} files): {', '.join(changed[:10])}", file=sys.stderr)
            print("run: python -m demo.build", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    written = build(args.out)
    print(f"wrote {len(written)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
