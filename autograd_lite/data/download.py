"""Fetching a data file over HTTPS and checking its SHA-256 before anything reads it.

``download(url, path, sha256)`` streams the file to ``<path>.part`` while hashing it, and only
a file whose SHA-256 matches is moved to ``path``; a mismatch deletes the part and raises.  A
file already at ``path`` with the right hash is used as it is (no network).

Only ``https://`` URLs are fetched -- also after redirects.  The one exception is plain
``http://`` to a loopback address (127.0.0.1, ::1), which never leaves the machine: a local
mirror, or the test suite's ``http.server``.  The hash is checked either way.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["download", "sha256_of"]

_CHUNK = 1 << 20


def sha256_of(path: str | os.PathLike) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name, not an address: names can point anywhere
        return False


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname)):
        return
    raise ValueError(
        f"download: refusing {url!r}: only https:// URLs are fetched (plain http:// only from a loopback "
        "address such as 127.0.0.1)"
    )


class _HttpsOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a URL ``_check_url`` accepts (no https -> http downgrade)."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        _check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url: str, path: str | os.PathLike, sha256: str, timeout: float = 60.0) -> Path:
    """Fetch ``url`` to ``path`` unless a file with this SHA-256 is already there; return the path.

    Raises ``ValueError`` for a refused URL or a hash mismatch (nothing is kept), ``OSError``
    when the server cannot be reached or answers with an error.
    """
    _check_url(url)
    path, expected = Path(path), sha256.lower()
    if path.is_file() and sha256_of(path) == expected:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    opener = urllib.request.build_opener(_HttpsOnlyRedirects)
    h = hashlib.sha256()
    try:
        with opener.open(url, timeout=timeout) as response, open(part, "wb") as out:
            for block in iter(lambda: response.read(_CHUNK), b""):
                h.update(block)
                out.write(block)
    except urllib.error.URLError as e:  # HTTPError included
        part.unlink(missing_ok=True)
        raise OSError(f"download: cannot fetch {url}: {getattr(e, 'reason', e)}") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    got = h.hexdigest()
    if got != expected:
        part.unlink(missing_ok=True)
        raise ValueError(
            f"download: SHA-256 mismatch for {url}: expected {expected}, got {got}; the file was not kept "
            "(a corrupt transfer or a changed file -- nothing unverified is read)"
        )
    os.replace(part, path)
    return path
