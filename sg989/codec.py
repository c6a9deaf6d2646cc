"""The payload codec: every Temporal payload leaves the process sealed with AES-256-GCM.

Histories, the Temporal database, its backups and the UI then hold ciphertext only; the key id
travels in the payload metadata so that a rotated-out key still opens old payloads.

A sealed payload is ``{"encoding": "sealed", "key": <key id>}`` around nonce + ciphertext of
the original payload; ``sealed+deflate1`` when the original was deflated first, with preset
dictionary 1 (only where that makes it smaller). The encoding and key id are authenticated
with the ciphertext.
Payloads of the first format (``binary/encrypted`` with ``encryption-key-id``) still open.

Left in clear, because they carry no content: summaries the workflow marks public
(``domain.public.PublicText``: task type, phase, milestone) so the UI's timeline explains
itself, and payloads that are a bare JSON ``true``, ``false`` or ``null``.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any, ClassVar

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import DataConverter, EncodingPayloadConverter, PayloadCodec

from domain.public import PublicText
from sg989.keys import KeyRing, load_keyring
from sg989.settings import Settings

ENCODING = b"sealed"
DEFLATED = b"sealed+deflate1"  # raw deflate with DICTIONARY_1
KEY_ID = "key"
LEGACY_ENCODING = b"binary/encrypted"  # the first format: whole payload, no compression
LEGACY_KEY_ID = "encryption-key-id"
ASSOCIATED = b"sg989-temporal-payload"
PUBLIC = "sg989-public"  # set by the converter on PublicText, removed by the codec
CONTENTLESS = frozenset({b"true", b"false", b"null"})
_DEFLATE_WBITS = -15  # raw deflate: no zlib header or checksum, GCM already authenticates
# zlib's default level: on a step's payload (2.7 KB) 49 us against 74 us at level 9, for 2 bytes
# more. The level is not part of the format: payloads deflated at any level open the same way.
_DEFLATE_LEVEL = 6
# Words a case's small payloads (Update arguments and results) repeat, so that deflate pays
# for them too. Frozen: payloads sealed with it need these exact bytes to open. A different
# dictionary needs a new encoding name (sealed+deflate2), with this one kept for reading.
DICTIONARY_1 = "".join(
    (
        "terugkoppeling_melderontvangstbevestigingintake_contactkeuze_afhandeling",
        "besluit_instellingreview_beschikkingconcept_rapportzienswijze_concepteindrapport",
        "schending_beoordelingzienswijze_voornemenhac_adviesbesluit_afdoeningnazorg_afspraak",
        "nazorg_checkinbezwaartermijnbeslissing_op_bezwaarschorsing_review",
        '"motivering":""verslag":""advies":""besluit":""maatregelen":["betrokkenen":[',
        '"onderzoekers":["reason":""assignee":""new_due_at":""betrokkene":"',
        "intakeweginginstellingonderzoekbeoordelingvoornemenafdoeningbezwaarnazorggesloten",
        '"status":"open"}"status":"gesloten"}","phase":"{"case_id":"ZK-","task_id":"ZK-","seq":',
        "commandantcoid_adviseuronderzoekerjuristkmar_integriteitsadviseur",
        '{"actor":{"sub":"","name":"","roles":[""],"units":["',
        '"],"acting_role":null},"task_id":"ZK-","payload":{',
        "\n\x16\n\x08encoding\x12\njson/plain\x12",
    )
).encode("latin-1")


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.seal(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.open(p) for p in payloads]

    def seal(self, payload: Payload) -> Payload:
        if PUBLIC in payload.metadata:
            clear = Payload()
            clear.CopyFrom(payload)
            del clear.metadata[PUBLIC]
            return clear
        if is_contentless(payload) or is_sealed(payload):
            return payload
        plain = payload.SerializeToString()
        packed = _deflate(plain)
        encoding = DEFLATED if len(packed) < len(plain) else ENCODING
        body = packed if encoding == DEFLATED else plain
        key_id = self.ring.active
        _, sealed = self.ring.encrypt(body, _associated(encoding, key_id))
        return Payload(metadata={"encoding": encoding, KEY_ID: key_id.encode()}, data=sealed)

    def open(self, payload: Payload) -> Payload:
        """Decrypt a sealed payload; one that is not sealed (clear by design, or older data)
        passes unchanged."""
        encoding = payload.metadata.get("encoding")
        if encoding == LEGACY_ENCODING:
            key_id = payload.metadata[LEGACY_KEY_ID].decode()
            return Payload.FromString(self.ring.decrypt(key_id, payload.data, ASSOCIATED))
        if encoding not in (ENCODING, DEFLATED):
            return payload
        key_id = payload.metadata[KEY_ID].decode()
        body = self.ring.decrypt(key_id, payload.data, _associated(encoding, key_id))
        return Payload.FromString(_inflate(body) if encoding == DEFLATED else body)


def _associated(encoding: bytes, key_id: str) -> bytes:
    """Bind the metadata to the ciphertext: a changed encoding or key id does not open."""
    return b"\0".join((ASSOCIATED, encoding, key_id.encode()))


def _deflate(plain: bytes) -> bytes:
    packer = zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, _DEFLATE_WBITS, zdict=DICTIONARY_1)
    return packer.compress(plain) + packer.flush()


def _inflate(packed: bytes) -> bytes:
    unpacker = zlib.decompressobj(_DEFLATE_WBITS, zdict=DICTIONARY_1)
    return unpacker.decompress(packed) + unpacker.flush()


def is_sealed(payload: Payload) -> bool:
    return payload.metadata.get("encoding") in (ENCODING, DEFLATED, LEGACY_ENCODING)


def is_contentless(payload: Payload) -> bool:
    """A bare true, false or null says nothing about a case or a person."""
    encoding = payload.metadata.get("encoding")
    if encoding == b"binary/null":
        return True
    return encoding == b"json/plain" and payload.data.strip() in CONTENTLESS


class PublicAwarePayloadConverter(PydanticPayloadConverter):
    """The pydantic converter; a ``PublicText`` value is marked so the codec leaves it clear.

    The SDK builds one per workflow activation (a data converter with that workflow's context)
    and one per workflow instance it loads: all of them share one set of encoding converters,
    so building one costs a dict, and the pydantic type adapters the JSON converter caches are
    built once per process instead of once per case loaded."""

    _shared: ClassVar[tuple[EncodingPayloadConverter, ...]] = ()

    def __init__(self) -> None:
        shared = PublicAwarePayloadConverter._shared
        if not shared:
            super().__init__()
            PublicAwarePayloadConverter._shared = tuple(self.converters.values())
            return
        self._set_converters(*shared)

    def to_payloads(self, values: Sequence[Any]) -> list[Payload]:
        payloads = super().to_payloads(values)
        for value, payload in zip(values, payloads, strict=True):
            if isinstance(value, PublicText):
                payload.metadata[PUBLIC] = b"1"
        return payloads


def encrypted_converter(ring: KeyRing) -> DataConverter:
    """The pydantic converter plus the codec: used by every client, worker and replayer."""
    return DataConverter(
        payload_converter_class=PublicAwarePayloadConverter, payload_codec=EncryptionCodec(ring)
    )


def data_converter(settings: Settings) -> DataConverter:
    return encrypted_converter(load_keyring(settings))
