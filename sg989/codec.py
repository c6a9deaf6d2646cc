"""The payload codec: every Temporal payload leaves the process sealed with AES-256-GCM.

Histories, the Temporal database, its backups and the UI then hold ciphertext only; the key id
travels in the payload metadata so that a rotated-out key still opens old payloads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

from sg989.keys import KeyRing, load_keyring
from sg989.settings import Settings

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
ASSOCIATED = b"sg989-temporal-payload"


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.seal(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.open(p) for p in payloads]

    def seal(self, payload: Payload) -> Payload:
        key_id, sealed = self.ring.encrypt(payload.SerializeToString(), ASSOCIATED)
        return Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=sealed)

    def open(self, payload: Payload) -> Payload:
        """Decrypt a sealed payload; one that is not sealed (older data) passes unchanged."""
        if not is_sealed(payload):
            return payload
        plain = self.ring.decrypt(payload.metadata[KEY_ID].decode(), payload.data, ASSOCIATED)
        return Payload.FromString(plain)


def is_sealed(payload: Payload) -> bool:
    return payload.metadata.get("encoding") == ENCODING


def encrypted_converter(ring: KeyRing) -> DataConverter:
    """The pydantic converter plus the codec: used by every client, worker and replayer."""
    return dataclasses.replace(pydantic_data_converter, payload_codec=EncryptionCodec(ring))


def data_converter(settings: Settings) -> DataConverter:
    return encrypted_converter(load_keyring(settings))
