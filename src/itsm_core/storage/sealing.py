"""Encryption at rest of confidential values (envelope encryption with AES-GCM).

When the application opens a store with :class:`EncryptionKeys`, every
confidential value is sealed before it is written: the identity in an
aggregate's record (the fields its spec names, see
:attr:`~itsm_core.storage.specs.AggregateSpec.confidential`) and the
confidential payload values of its events (:attr:`DomainEvent.confidential
<itsm_core.kernel.events.DomainEvent.confidential>`). Anyone who reads the
database or a backup sees a token, not the value.

The keys form an envelope:

- each aggregate that holds a confidential value gets its own random
  **data key** (AES-256), used for its record and all its events;
- the data key is stored *wrapped* (encrypted) by one of the application's
  **key-encryption keys**, named by a key id, in a table of its own;
- rotating the key-encryption key re-wraps the data keys only. The events
  table stays append-only: nothing in it is ever rewritten.

Every token is bound to where it belongs (the aggregate, the record field or
the event and payload key) as authenticated data, so a token copied to
another row does not open. AES-GCM comes from the ``cryptography`` package
(``pip install 'itsm-core[encryption]'``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import attrs

from itsm_core.kernel.errors import StorageError, ValidationError
from itsm_core.kernel.own_ids import own_id

__all__ = [
    "SEALED_FIELDS",
    "TOKEN_PREFIX",
    "DataKeyStore",
    "EncryptionKeys",
    "KeyRotation",
    "Sealing",
    "open_unkeyed",
    "rotate_keys",
    "use_encryption",
]

TOKEN_PREFIX = "itsm:sealed:v1:"
"""How every sealed value starts."""

SEALED_FIELDS = "_sealed"
"""The record key listing the record's sealed fields (removed when it is opened)."""

_KEY_BYTES = 32
_NONCE_BYTES = 12

DataKeyRef = tuple[str, str]
"""An aggregate's data key is named by the aggregate: ``(kind, aggregate id)``."""


def _aesgcm() -> Any:
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError as exc:  # pragma: no cover - the extra is installed in the tests
        raise ValidationError(
            "encryption at rest needs the 'cryptography' package: "
            "pip install 'itsm-core[encryption]'",
            field="encryption_keys",
        ) from exc
    return AESGCM


def _key_bytes(key_id: str, value: object) -> bytes:
    if isinstance(value, str):
        try:
            raw = base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise ValidationError(
                f"encryption key {key_id!r} is not base64 text (e.g. from "
                "EncryptionKeys.generate_key())",
                field="encryption_keys",
            ) from exc
    elif isinstance(value, bytes | bytearray):
        raw = bytes(value)
    else:
        raise ValidationError(
            f"encryption key {key_id!r} must be 32 bytes or their base64 text, "
            f"got {type(value).__name__}",
            field="encryption_keys",
        )
    if len(raw) != _KEY_BYTES:
        raise ValidationError(
            f"encryption key {key_id!r} has {len(raw)} bytes; AES-256 needs exactly 32",
            field="encryption_keys",
        )
    return raw


class EncryptionKeys:
    """The application's key-encryption keys, by key id.

    :param current: the id of the key that wraps new data keys (and every data
        key after :meth:`~itsm_core.facade.ItsmCore.rotate_encryption_keys`).
    :param keys: every key the store may still need, by id: 32 random bytes or
        their base64 text (:meth:`generate_key`). Keep a retired key here until
        a rotation has re-wrapped everything it wrapped.
    :raises ValidationError: for a key that is not 32 bytes, an id that is not
        a valid id, or a ``current`` id that is not among ``keys``.

    The keys are the application's secret: load them from its secret store,
    never from the code or the database.
    """

    __slots__ = ("_ciphers", "current")

    def __init__(self, current: str, keys: Mapping[str, bytes | str]) -> None:
        if not isinstance(keys, Mapping) or not keys:
            raise ValidationError(
                "encryption keys: give at least one key, as {key id: key}",
                field="encryption_keys",
            )
        raw = {own_id(k, "encryption key id"): _key_bytes(k, v) for k, v in keys.items()}
        if current not in raw:
            raise ValidationError(
                f"encryption keys: the current key {current!r} is not among the keys "
                f"({', '.join(sorted(raw))})",
                field="encryption_keys",
            )
        aesgcm = _aesgcm()
        self.current: str = current
        self._ciphers: dict[str, Any] = {k: aesgcm(v) for k, v in raw.items()}

    @staticmethod
    def generate_key() -> str:
        """Return a new random key (32 bytes) as base64 text, for your secret store."""
        return base64.b64encode(os.urandom(_KEY_BYTES)).decode("ascii")

    @property
    def key_ids(self) -> frozenset[str]:
        """The ids of every key held."""
        return frozenset(self._ciphers)

    def wrap(self, ref: DataKeyRef, data_key: bytes) -> tuple[str, str]:
        """Return ``(key id, wrapped data key)`` for ``ref``'s data key, under the current key."""
        return self.current, _encrypt(self._ciphers[self.current], data_key, _dek_aad(ref))

    def unwrap(self, ref: DataKeyRef, key_id: str, wrapped: str) -> bytes:
        """Return the data key of ``ref`` wrapped under ``key_id``.

        :raises StorageError: if the key ``key_id`` is not held, or the wrapped
            key does not open with it (a wrong key, or a changed row).
        """
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise StorageError(
                f"the data key of {ref[0]} {ref[1]!r} is wrapped by encryption key "
                f"{key_id!r}, which the application did not give (it has "
                f"{', '.join(sorted(self._ciphers))})"
            )
        return _decrypt(cipher, wrapped, _dek_aad(ref), f"the data key of {ref[0]} {ref[1]!r}")

    def __repr__(self) -> str:
        return f"EncryptionKeys(current={self.current!r}, key_ids={sorted(self._ciphers)!r})"


def _dek_aad(ref: DataKeyRef) -> bytes:
    return f"itsm/data-key/{ref[0]}/{ref[1]}".encode()


def _encrypt(cipher: Any, plain: bytes, aad: bytes) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = nonce + cipher.encrypt(nonce, plain, aad)
    return TOKEN_PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")


def _decrypt(cipher: Any, token: str, aad: bytes, what: str) -> bytes:
    from cryptography.exceptions import InvalidTag

    try:
        sealed = base64.urlsafe_b64decode(token.removeprefix(TOKEN_PREFIX).encode("ascii"))
        return bytes(cipher.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], aad))
    except (InvalidTag, ValueError, binascii.Error) as exc:
        raise StorageError(
            f"{what} does not open with the application's key: the key is wrong or "
            "the stored value was changed"
        ) from exc


def _is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def _has_tokens(body: Mapping[str, Any]) -> bool:
    payload = body.get("payload")
    return isinstance(payload, Mapping) and any(
        _is_token(payload.get(k)) for k in body.get("confidential", ())
    )


class DataKeyStore(Protocol):
    """Where a backend keeps the wrapped data keys (in the transaction it works in)."""

    def load(self, refs: Iterable[DataKeyRef]) -> dict[DataKeyRef, tuple[str, str]]:
        """Return ``{ref: (key id, wrapped key)}`` of those of ``refs`` that have a data key."""
        ...

    def add(self, ref: DataKeyRef, key_id: str, wrapped: str) -> None:
        """Store the wrapped data key of ``ref`` (new)."""
        ...


class Sealing:
    """Seals and opens values within one transaction, caching the data keys it used."""

    def __init__(self, keys: EncryptionKeys, store: DataKeyStore) -> None:
        self._keys = keys
        self._store = store
        self._cache: dict[DataKeyRef, Any] = {}

    # -- data keys -------------------------------------------------------------

    def prefetch(self, refs: Iterable[DataKeyRef]) -> None:
        """Load the data keys of ``refs`` in one go (before opening many rows)."""
        wanted = {r for r in refs if r not in self._cache}
        if wanted:
            for ref, (key_id, wrapped) in self._store.load(wanted).items():
                self._cache[ref] = _aesgcm()(self._keys.unwrap(ref, key_id, wrapped))

    def _cipher(self, ref: DataKeyRef, *, create: bool) -> Any:
        if ref not in self._cache:
            self.prefetch([ref])
        if ref not in self._cache:
            if not create:
                raise StorageError(
                    f"{ref[0]} {ref[1]!r} holds sealed values but its data key is missing"
                )
            data_key = os.urandom(_KEY_BYTES)
            key_id, wrapped = self._keys.wrap(ref, data_key)
            self._store.add(ref, key_id, wrapped)
            self._cache[ref] = _aesgcm()(data_key)
        return self._cache[ref]

    # -- records -----------------------------------------------------------------

    def seal_record(self, kind: str, record: dict[str, Any], fields: Iterable[str]) -> Any:
        """Return ``record`` with the values of ``fields`` sealed (``None`` values stay).

        The record's ``"id"`` names the aggregate whose data key seals it.
        """
        names = sorted(f for f in fields if record.get(f) is not None)
        if not names:
            return record
        entity_id = str(record["id"])
        cipher = self._cipher((kind, entity_id), create=True)
        sealed = dict(record)
        for name in names:
            plain = json.dumps(record[name], ensure_ascii=False, sort_keys=True).encode()
            sealed[name] = _encrypt(cipher, plain, _record_aad(kind, entity_id, name))
        sealed[SEALED_FIELDS] = names
        return sealed

    def open_records(self, kind: str, records: list[Any]) -> list[Any]:
        """Return ``records`` with their sealed fields opened (data keys loaded in one go)."""
        self.prefetch((kind, str(r.get("id"))) for r in records if SEALED_FIELDS in r)
        return [self.open_record(kind, r) for r in records]

    def open_record(self, kind: str, record: Mapping[str, Any]) -> Any:
        """Return ``record`` with its sealed fields opened (itself when none is sealed)."""
        names = record.get(SEALED_FIELDS)
        if names is None:
            return record
        entity_id = str(record.get("id"))
        cipher = self._cipher((kind, entity_id), create=False)
        opened = {k: v for k, v in record.items() if k != SEALED_FIELDS}
        for name in names:
            what = f"{kind} {entity_id!r} field {name!r}"
            plain = _decrypt(cipher, record[name], _record_aad(kind, entity_id, name), what)
            opened[name] = json.loads(plain)
        return opened

    # -- events --------------------------------------------------------------------

    def seal_event(self, body: dict[str, Any]) -> dict[str, Any]:
        """Return an event's stored ``body`` with its confidential payload values sealed."""
        payload = body.get("payload") or {}
        names = [k for k in body.get("confidential", ()) if payload.get(k) is not None]
        if not names:
            return body
        ref = (str(body["aggregate_kind"]), str(body["aggregate_id"]))
        cipher = self._cipher(ref, create=True)
        sealed_payload = dict(payload)
        for name in names:
            plain = json.dumps(payload[name], ensure_ascii=False, sort_keys=True).encode()
            sealed_payload[name] = _encrypt(cipher, plain, _event_aad(body, name))
        return {**body, "payload": sealed_payload}

    def open_events(self, bodies: list[Any]) -> list[Any]:
        """Return stored event ``bodies`` opened (data keys loaded in one go)."""
        self.prefetch(
            (str(b["aggregate_kind"]), str(b["aggregate_id"])) for b in bodies if _has_tokens(b)
        )
        return [self.open_event(b) for b in bodies]

    def open_event(self, body: Mapping[str, Any]) -> Any:
        """Return a stored event ``body`` with its sealed payload values opened."""
        payload = body.get("payload") or {}
        names = [k for k in body.get("confidential", ()) if _is_token(payload.get(k))]
        if not names:
            return body
        ref = (str(body["aggregate_kind"]), str(body["aggregate_id"]))
        cipher = self._cipher(ref, create=False)
        opened = dict(payload)
        for name in names:
            what = f"event {body.get('event_id')!r} value {name!r}"
            opened[name] = json.loads(_decrypt(cipher, payload[name], _event_aad(body, name), what))
        return {**body, "payload": opened}


def _record_aad(kind: str, entity_id: str, name: str) -> bytes:
    return f"itsm/{kind}/{entity_id}/record/{name}".encode()


def _event_aad(body: Mapping[str, Any], name: str) -> bytes:
    kind, aggregate_id = body["aggregate_kind"], body["aggregate_id"]
    return f"itsm/{kind}/{aggregate_id}/event/{body['event_id']}/{name}".encode()


def open_unkeyed(what: str) -> Callable[[Mapping[str, Any]], Mapping[str, Any]]:
    """Return a check for a store opened without keys: a sealed row raises a clear error."""

    def check(row: Mapping[str, Any]) -> Mapping[str, Any]:
        if SEALED_FIELDS in row or _has_tokens(row):
            raise StorageError(
                f"{what} holds values encrypted at rest: open the store with its "
                "encryption_keys (itsm_core.EncryptionKeys)"
            )
        return row

    return check


@attrs.frozen
class KeyRotation:
    """What one key rotation did.

    :param current: the key every data key is now wrapped by.
    :param rewrapped: data keys re-wrapped under it.
    :param sealed: records stored in clear (before the store had keys) now sealed.
    """

    current: str
    rewrapped: int
    sealed: int


def use_encryption(storage: object, keys: object) -> None:
    """Give ``storage`` the keys to seal with.

    :raises ValidationError: if ``keys`` is not :class:`EncryptionKeys`, or the
        backend cannot encrypt at rest.
    """
    if not isinstance(keys, EncryptionKeys):
        raise ValidationError(
            f"encryption_keys must be itsm_core.EncryptionKeys, got {type(keys).__name__}",
            field="encryption_keys",
        )
    use = getattr(storage, "use_encryption", None)
    if not callable(use):
        raise ValidationError(
            f"the store {storage!r} does not support encryption at rest "
            "(the SQL backend does; memory:// keeps nothing at rest)",
            field="encryption_keys",
        )
    use(keys)


def rotate_keys(storage: object) -> KeyRotation:
    """Re-wrap ``storage``'s data keys under its current key and seal what is in clear.

    :raises StorageError: if the store has no keys or cannot encrypt at rest.
    """
    rotate = getattr(storage, "rotate_encryption_keys", None)
    if not callable(rotate):
        raise StorageError(f"the store {storage!r} does not support encryption at rest")
    current, rewrapped, sealed = rotate()
    return KeyRotation(current=current, rewrapped=rewrapped, sealed=sealed)
