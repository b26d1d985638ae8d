"""API keys: token format, salted scrypt hashes, roles and their permissions, company scopes."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone

from ...engine.domain.errors import InvalidInput, NotFound
from ..db.http_store import ApiKeyRecord, ApiKeyStore

TOKEN_PREFIX = "cf_"
_TOKEN = re.compile(r"^cf_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")
# scrypt at n=2**14, r=8: ~16 MB and some tens of milliseconds per check, paid once per key and process.
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}

READ, CREATE, RULES = "claims:read", "claims:create", "rules:read"

# What each role may do besides lifecycle commands; each command names its roles itself
# (adapters/http/commands.py), so a new command is one line there.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "claim_handler": frozenset({READ, CREATE}),
    "approver": frozenset({READ, CREATE}),
    "rule_analyst": frozenset({READ, RULES}),
    "integration": frozenset({READ, CREATE}),
}
ROLES = tuple(ROLE_PERMISSIONS)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, name and role, and the companies it may see."""
    key_id: str
    name: str
    role: str
    companies: frozenset[str]

    def may(self, permission: str) -> bool:
        return permission in ROLE_PERMISSIONS.get(self.role, ())

    def sees(self, company: str) -> bool:
        return company in self.companies

    @property
    def actor(self) -> str:
        return f"api:{self.name}"


def hash_secret(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT).hex()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ApiKeys:
    """Creates, lists, revokes and verifies API keys; only a salted hash of each secret is stored."""

    def __init__(self, store: ApiKeyStore):
        self.store = store
        # key id -> SHA-256 of a token already verified with scrypt by this process: a fast
        # check for later requests. The key row is still read every time (revocation, scopes).
        self._verified: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, name: str, role: str, companies: list[str]) -> tuple[ApiKeyRecord, str]:
        """The stored key and the token, which is shown once and never stored."""
        _check_new_key(name, role, companies)
        missing = self.store.missing_companies(list(companies))
        if missing:
            raise NotFound(f"company {missing[0]} does not exist", code="company_not_found")
        key_id, secret, salt = secrets.token_hex(6), secrets.token_urlsafe(32), secrets.token_bytes(16)
        record = ApiKeyRecord(key_id, name, role, tuple(sorted(set(companies))), salt.hex(),
                              hash_secret(secret, salt), utcnow())
        self.store.add(record)
        return record, f"{TOKEN_PREFIX}{key_id}_{secret}"

    def list(self) -> list[ApiKeyRecord]:
        return self.store.list()

    def revoke(self, key_id: str) -> None:
        if not self.store.revoke(key_id, utcnow()):
            raise NotFound(f"no active API key {key_id}", code="api_key_not_found")
        with self._lock:
            self._verified.pop(key_id, None)

    def authenticate(self, token: str) -> Principal | None:
        """The key's principal, or None for a malformed, unknown, revoked or wrong token."""
        match = _TOKEN.match(token or "")
        if not match:
            return None
        key_id, secret = match.groups()
        record = self.store.get(key_id)
        if record is None or record.revoked_at is not None or not self._verify(record, token, secret):
            return None
        return Principal(record.id, record.name, record.role, frozenset(record.companies))

    def _verify(self, record: ApiKeyRecord, token: str, secret: str) -> bool:
        digest = hashlib.sha256(token.encode()).digest()
        with self._lock:
            known = self._verified.get(record.id)
        if known is not None:
            return hmac.compare_digest(known, digest)
        expected = bytes.fromhex(record.secret_hash)
        if not hmac.compare_digest(bytes.fromhex(hash_secret(secret, bytes.fromhex(record.salt))), expected):
            return False
        with self._lock:
            self._verified[record.id] = digest
            while len(self._verified) > 4096:
                self._verified.popitem(last=False)
        return True


def _check_new_key(name: str, role: str, companies: list[str]) -> None:
    if not name.strip() or len(name) > 200:
        raise InvalidInput("a key needs a name of at most 200 characters", code="invalid_option")
    if role not in ROLE_PERMISSIONS:
        raise InvalidInput(f"unknown role {role!r}: one of {', '.join(ROLES)}", code="invalid_option")
    if not companies:
        raise InvalidInput("a key needs at least one company", code="invalid_option")
