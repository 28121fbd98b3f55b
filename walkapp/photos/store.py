"""Photo store: content-addressed files under the instance folder."""

import os
import tempfile
from pathlib import Path


class FileStore:
    """Store renditions as ``<root>/<sha[:2]>/<sha>-<rendition>.jpg``."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, sha256: str, rendition: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}-{rendition}.jpg"

    def exists(self, sha256: str, rendition: str) -> bool:
        return self.path(sha256, rendition).exists()

    def save(self, sha256: str, rendition: str, data: bytes) -> Path | None:
        """Write atomically; return the path if this call created it, None if it existed."""
        target = self.path(sha256, rendition)
        if target.exists():
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
        return target

    def delete(self, paths) -> None:
        for p in paths:
            Path(p).unlink(missing_ok=True)
