"""The server's secret key, which keys the hashes of one-time action codes.

A code has only 48 bits: a plain hash in a copied database would give the codes away in
seconds. Keyed with a secret that lives outside the database (THIDUA_SECRET_KEY, else a file
only this user can read) and never in Prefect, the stored hash is useless without the key.
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from thidua.errors import ThiduaError
from thidua.settings import get_settings

KEY_FILE = "secret.key"


def _read_or_create(path: Path) -> bytes:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        # Written whole under another name, then linked: of two processes starting at once,
        # one key wins and nobody reads a half-written file.
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise ThiduaError(f"Tệp khóa bí mật {path} rỗng: đặt THIDUA_SECRET_KEY hoặc xóa tệp")
    return key.encode()


def server_key() -> bytes:
    settings = get_settings()
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value().encode()
    return _read_or_create(settings.home / KEY_FILE)


def keyed_hash(text: str) -> str:
    return hmac.new(server_key(), text.encode(), hashlib.sha256).hexdigest()
