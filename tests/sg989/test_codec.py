"""The payload codec: sealed, smaller where deflate pays, old payloads still open."""

from __future__ import annotations

import base64
import secrets
import zlib

import pytest
from temporalio.api.common.v1 import Payload

from domain.phases import Phase
from domain.public import PublicText
from domain.requests import UpdateResult
from sg989.codec import (
    ASSOCIATED,
    DEFLATED,
    DICTIONARY_1,
    ENCODING,
    KEY_ID,
    LEGACY_ENCODING,
    LEGACY_KEY_ID,
    EncryptionCodec,
    encrypted_converter,
)
from sg989.keys import KeyRing, KeyRingError, parse_keys
from sg989.policy_files import load_policy


def ring(*ids: str) -> KeyRing:
    return parse_keys(
        ",".join(f"{i}:{base64.b64encode(secrets.token_bytes(32)).decode()}" for i in ids), "t"
    )


def json_payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


async def test_a_large_payload_is_deflated_before_sealing_and_opens_to_the_same_bytes() -> None:
    codec = EncryptionCodec(ring("k1"))
    policy = json_payload(load_policy().model_dump_json())  # the largest thing a case sends

    [sealed] = await codec.encode([policy])
    [opened] = await codec.decode([sealed])

    assert sealed.metadata["encoding"] == DEFLATED and sealed.metadata[KEY_ID] == b"k1"
    assert len(sealed.data) < len(policy.data) / 3
    assert b"escalat" not in sealed.data  # ciphertext, not merely compressed
    assert opened == policy


async def test_a_payload_that_deflate_cannot_shrink_is_sealed_as_it_is() -> None:
    codec = EncryptionCodec(ring("k1"))
    noise = Payload(data=secrets.token_bytes(64))

    [sealed] = await codec.encode([noise])

    assert sealed.metadata["encoding"] == ENCODING
    assert await codec.decode([sealed]) == [noise]


async def test_payloads_of_the_first_format_still_open() -> None:
    keys = ring("old")
    original = json_payload('{"case_id": "ZK-1", "name": "Test commandant"}')
    _, data = keys.encrypt(original.SerializeToString(), ASSOCIATED)
    legacy = Payload(metadata={"encoding": LEGACY_ENCODING, LEGACY_KEY_ID: b"old"}, data=data)

    assert await EncryptionCodec(keys).decode([legacy]) == [original]


async def test_payloads_deflated_at_the_earlier_level_still_open() -> None:
    """Until this change payloads were deflated at level 9; the level is not in the format."""
    keys = ring("k1")
    original = json_payload(load_policy().model_dump_json())
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=DICTIONARY_1)
    packed = packer.compress(original.SerializeToString()) + packer.flush()
    _, data = keys.encrypt(packed, b"\0".join((ASSOCIATED, DEFLATED, b"k1")))
    sealed = Payload(metadata={"encoding": DEFLATED, KEY_ID: b"k1"}, data=data)

    assert await EncryptionCodec(keys).decode([sealed]) == [original]


@pytest.mark.parametrize("field, forged", [("encoding", ENCODING), (KEY_ID, b"k2")])
async def test_altered_metadata_does_not_open(field: str, forged: bytes) -> None:
    codec = EncryptionCodec(ring("k1", "k2"))
    [sealed] = await codec.encode([json_payload('{"motivering": "' + "x" * 200 + '"}')])
    sealed.metadata[field] = forged

    with pytest.raises(KeyRingError, match="altered"):
        await codec.decode([sealed])


async def test_summaries_and_bare_booleans_stay_readable_everything_else_is_sealed() -> None:
    converter = encrypted_converter(ring("k1"))
    summary = PublicText("herinnering: weging (weging)")
    result = UpdateResult(case_id="ZK-1", seq=3, phase=Phase.weging, status="open")

    payloads = await converter.encode([summary, True, None, "weging", result])

    clear, true, none, plain_string, update_result = payloads
    assert clear.data == b'"herinnering: weging (weging)"'
    assert dict(clear.metadata) == {"encoding": b"json/plain"}  # the codec's mark is gone
    assert true.data == b"true" and none.metadata["encoding"] == b"binary/null"
    assert plain_string.metadata["encoding"] in (ENCODING, DEFLATED)  # only PublicText is clear
    assert update_result.metadata["encoding"] in (ENCODING, DEFLATED)
    decoded = await converter.decode(payloads, [str, bool, type(None), str, UpdateResult])
    assert decoded == [summary, True, None, "weging", result]
