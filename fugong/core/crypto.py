"""Personal data at rest: Fernet encryption (AES-128-CBC + HMAC-SHA256) with rotatable keys
(MultiFernet: the first key encrypts, every key decrypts) and a keyed hash (HMAC-SHA256) to
find a value without decrypting ("blind index")."""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()


@cache
def _fernet(keys: tuple) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def keys() -> tuple:
    configured = tuple(settings.FUGONG_DATA_KEYS)
    return configured or (base64.urlsafe_b64encode(_derived("fugong.data")).decode(),)


def encrypt(value: str) -> str:
    return _fernet(keys()).encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("personal data cannot be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    """The token re-encrypted under the first (current) key."""
    return _fernet(keys()).rotate(token.encode()).decode() if token else ""


def blind_index(value: str) -> str:
    """A keyed hash of a normalised value: equal values match, the value cannot be read back."""
    if not value:
        return ""
    key = settings.FUGONG_HASH_KEY.encode() or _derived("fugong.hash")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def new_key() -> str:
    return Fernet.generate_key().decode()
