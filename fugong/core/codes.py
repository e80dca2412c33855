"""Verification codes for certificates and passes: a random token (unguessable: 96 bits) with
an HMAC signature under the secret key, so a forged or altered code is rejected before any
lookup. The code is what a QR carries, inside the public verification URL."""

from __future__ import annotations

import secrets

from django.core import signing


def _signer(kind: str) -> signing.Signer:
    return signing.Signer(salt=f"fugong.code.{kind}", algorithm="sha256")


def new_code(kind: str) -> str:
    return _signer(kind).sign(secrets.token_urlsafe(12))


def check_code(kind: str, code: str) -> bool:
    """True when the code carries a valid signature for this kind."""
    try:
        _signer(kind).unsign(code or "")
    except signing.BadSignature:
        return False
    return True
