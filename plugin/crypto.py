"""Encryption at rest (AES-256-GCM) for tokens and personal fields, with keys derived from UPFRONT_SECRET_KEY.

Ciphertexts are text: ``v1.<key id>.<base64url(nonce || ciphertext+tag)>``. The key id is a short fingerprint
of the secret, so after a rotation (new UPFRONT_SECRET_KEY, old one kept in UPFRONT_SECRET_KEY_PREVIOUS) values
written under either key still decrypt, and `needs_rotation` tells which ones to re-encrypt.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"
_NONCE_BYTES = 12


class DecryptionError(Exception):
    """The value was not written by us, was tampered with, or its key is gone."""


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"upfront-at-rest", info=purpose).derive(secret.encode())


class Cipher:
    def __init__(self, secrets: Sequence[str], purpose: str = "data") -> None:
        if not secrets:
            raise ValueError("at least one secret key is required")
        self._keys: dict[str, AESGCM] = {}
        self._current = ""
        for secret in secrets:
            key = _derive(secret, purpose.encode())
            key_id = hashlib.sha256(key).hexdigest()[:8]
            self._keys.setdefault(key_id, AESGCM(key))
            self._current = self._current or key_id

    def encrypt(self, plaintext: str, associated: str = "") -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._keys[self._current].encrypt(nonce, plaintext.encode(), associated.encode())
        return f"{_VERSION}.{self._current}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, associated: str = "") -> str:
        """`associated` binds a value to where it lives (e.g. the shop), so it cannot be pasted elsewhere."""
        try:
            version, key_id, body = token.split(".", 2)
            raw = base64.urlsafe_b64decode(body)
            if version != _VERSION or key_id not in self._keys:
                raise DecryptionError("unknown key or format")
            return self._keys[key_id].decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], associated.encode()).decode()
        except DecryptionError:
            raise
        except Exception as exc:
            raise DecryptionError("cannot decrypt value") from exc

    def needs_rotation(self, token: str) -> bool:
        return token.split(".", 2)[1:2] != [self._current]
