"""sha256 manifests of checkpoints: `<sha256>  <relative path>` lines, the format `sha256sum -c` reads."""

from __future__ import annotations

import hashlib
from pathlib import Path

from train.run_dir import atomic_write_text

MANIFEST = "manifest.sha256"
# Files a hub download or a git clone adds next to the released ones.
DOWNLOAD_EXTRAS = (".gitattributes", ".git/", ".cache/huggingface/")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(directory: str | Path) -> Path:
    directory = Path(directory)
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST)
    lines = [f"{sha256_file(p)}  {p.relative_to(directory).as_posix()}" for p in files]
    atomic_write_text(directory / MANIFEST, "\n".join(lines) + "\n")
    return directory / MANIFEST


def verify_manifest(directory: str | Path) -> list[str]:
    """Problems found (empty list: the directory matches its manifest)."""
    directory = Path(directory)
    manifest = directory / MANIFEST
    if not manifest.exists():
        return [f"{manifest}: manifest missing"]
    problems = []
    listed = set()
    for line in manifest.read_text().splitlines():
        if not line.strip():
            continue
        digest, _, rel = line.partition("  ")
        if len(digest) != 64 or not rel:
            problems.append(f"{MANIFEST}: malformed line '{line[:80]}'")
            continue
        listed.add(rel)
        path = directory / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
        elif sha256_file(path) != digest:
            problems.append(f"{rel}: sha256 differs from the manifest")
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory).as_posix()
        if path.is_file() and path.name != MANIFEST and rel not in listed and not rel.startswith(DOWNLOAD_EXTRAS):
            problems.append(f"{rel}: not in the manifest")
    return problems
