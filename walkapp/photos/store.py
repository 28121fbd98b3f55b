"""Photo store: content-addressed files (SHA-256 of the upload) under the instance folder."""

import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

_SHA = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")


class PhotoStore(Protocol):
    """What the services need from a photo store; FileStore is the filesystem implementation."""

    def exists(self, sha256: str, name: str) -> bool: ...

    def save(self, sha256: str, name: str, data: bytes) -> bool: ...

    def read(self, sha256: str, name: str) -> bytes: ...

    def delete(self, sha256: str, name: str) -> None: ...

    def names(self, sha256: str) -> set[str]: ...

    def shas(self) -> Iterator[str]: ...


class FileStore:
    """Store ``<root>/<sha[:2]>/<sha>/<name>``; the same upload is stored once."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _dir(self, sha256: str) -> Path:
        if not _SHA.fullmatch(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def path(self, sha256: str, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise ValueError(f"bad file name {name!r}")
        return self._dir(sha256) / name

    def exists(self, sha256: str, name: str) -> bool:
        return self.path(sha256, name).exists()

    def save(self, sha256: str, name: str, data: bytes) -> bool:
        """Write atomically; return True if this call created the file, False if it existed."""
        target = self.path(sha256, name)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True

    def read(self, sha256: str, name: str) -> bytes:
        return self.path(sha256, name).read_bytes()

    def delete(self, sha256: str, name: str) -> None:
        path = self.path(sha256, name)
        path.unlink(missing_ok=True)
        for folder in (path.parent, path.parent.parent):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break

    def names(self, sha256: str) -> set[str]:
        folder = self._dir(sha256)
        if not folder.is_dir():
            return set()
        return {p.name for p in folder.iterdir() if not p.name.startswith(".")}

    def shas(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for prefix in sorted(self.root.iterdir()):
            if prefix.is_dir() and len(prefix.name) == 2:
                for folder in sorted(prefix.iterdir()):
                    if folder.is_dir() and _SHA.fullmatch(folder.name):
                        yield folder.name

    def mtime(self, sha256: str, name: str) -> float:
        return self.path(sha256, name).stat().st_mtime

    def stale_temp_files(self, older_than_s: float) -> list[Path]:
        """Return leftover ``.tmp-*`` files of interrupted writes older than *older_than_s*."""
        cutoff = time.time() - older_than_s
        if not self.root.is_dir():
            return []
        return [p for p in self.root.glob("*/*/.tmp-*") if p.stat().st_mtime < cutoff]


class StagedWrites:
    """The files one transaction wrote, so a failure can remove exactly those."""

    def __init__(self, store: PhotoStore):
        self.store = store
        self.written: list[tuple[str, str]] = []

    def save(self, sha256: str, name: str, data: bytes) -> None:
        if self.store.save(sha256, name, data):
            self.written.append((sha256, name))

    def discard(self) -> None:
        for sha256, name in self.written:
            self.store.delete(sha256, name)
        self.written.clear()


@contextmanager
def staged(store: PhotoStore):
    """Yield a StagedWrites; files it wrote are deleted if the block raises."""
    writes = StagedWrites(store)
    try:
        yield writes
    except BaseException:
        writes.discard()
        raise
