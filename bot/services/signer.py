"""Tamper-evident modal metadata: what a modal acts on cannot be changed by whoever submits it."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any


class MetadataSigner:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"oura-private-metadata:" + secret.encode()).digest()

    def _mac(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]

    def dumps(self, data: dict[str, Any]) -> str:
        body = json.dumps(data, separators=(",", ":"), sort_keys=True)
        return f"{self._mac(body)}.{body}"

    def loads(self, text: str | None) -> dict[str, Any] | None:
        """The data, or None when the text was not made by us (or was changed)."""
        mac, _, body = (text or "").partition(".")
        # As bytes: compare_digest refuses str with non-ASCII text, which anyone can send.
        if not body or not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
