"""Model fields for secrets at rest: the value is encrypted with the project's Fernet keys
(`core.crypto`) on the way into the database and decrypted on the way out, so forms, the admin
and importers handle the plain value and the table holds only a token."""

from django.db import models

from . import crypto


class EncryptedCharField(models.TextField):
    """A short secret (a bot's signing secret, a gateway key) stored as a Fernet token."""

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str:
        return crypto.decrypt(value) if value else ""

    def to_python(self, value: str | None) -> str:
        return value or ""

    def get_prep_value(self, value: str | None) -> str:
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else ""
