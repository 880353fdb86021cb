"""sha256 manifests of checkpoints: `<sha256>  <relative path>` lines, the format `sha256sum -c` reads."""

from __future__ import annotations

import hashlib
from pathlib import Path

from train import KeelError
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


def outside(directory: Path, rel: str) -> str | None:
    """Why a manifest path `rel` is not a file inside `directory` (None when it is): a manifest may only
    name files below its own directory, so `keel verify` never reads (or vouches for) anything else."""
    if not rel or "\0" in rel:
        return "an empty or NUL-holding path"
    if rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":"):
        return "an absolute path, outside its directory"
    if ".." in rel.replace("\\", "/").split("/"):
        return "a '..' path, outside its directory"
    root = directory.resolve()
    target = (directory / rel).resolve()
    if target != root and root not in target.parents:
        return "a symlink that leads outside its directory"
    return None


def write_manifest(directory: str | Path) -> Path:
    directory = Path(directory)
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST)
    for p in files:
        why = outside(directory, p.relative_to(directory).as_posix())
        if why:
            raise KeelError(f"{p}: {why}; a release holds its files, not links to others")
    lines = [f"{sha256_file(p)}  {p.relative_to(directory).as_posix()}" for p in files]
    atomic_write_text(directory / MANIFEST, "\n".join(lines) + "\n")
    return directory / MANIFEST


def verify_manifest(directory: str | Path) -> list[str]:
    """Problems found (empty list: the directory matches its manifest). Every path the manifest names
    must lie inside `directory` (no absolute path, no '..', no symlink out), or it is a problem."""
    directory = Path(directory)
    manifest = directory / MANIFEST
    if not manifest.is_file():
        return [f"{manifest}: manifest missing"]
    try:
        text = manifest.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [f"{MANIFEST}: not UTF-8 text"]
    problems = []
    listed = set()
    for line in text.splitlines():
        if not line.strip():
            continue
        digest, _, rel = line.partition("  ")
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest.lower()) or not rel:
            problems.append(f"{MANIFEST}: malformed line '{line[:80]}'")
            continue
        why = outside(directory, rel)
        if why:
            problems.append(f"{rel[:80]}: {why}")
            continue
        listed.add(rel)
        path = directory / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
        elif sha256_file(path) != digest.lower():
            problems.append(f"{rel}: sha256 differs from the manifest")
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory).as_posix()
        if path.is_symlink() and outside(directory, rel):
            if rel not in listed:
                problems.append(f"{rel}: a symlink that leads outside its directory")
            continue
        if path.is_file() and path.name != MANIFEST and rel not in listed and not rel.startswith(DOWNLOAD_EXTRAS):
            problems.append(f"{rel}: not in the manifest")
    return problems
