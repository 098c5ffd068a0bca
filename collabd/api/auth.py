"""The embedder's API key: COLLABD_API_KEY, or a random key kept in the data directory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ..config import private_dir


def load_api_key(data_dir: Path) -> str:
    env = os.environ.get("COLLABD_API_KEY")
    if env:
        return env
    path = data_dir / "api_key"
    private_dir(data_dir)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32))
    return path.read_text().strip()
