"""The key ring: generated once on the embedded default, rotatable, never readable by others."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlmodel import Session
from temporalio.api.common.v1 import Payload

from sg989.codec import KEY_ID, EncryptionCodec
from sg989.keys import KeyRingError, load_keyring, reseal_store, rotate
from sg989.settings import Settings
from store import sealed
from store.db import make_engine
from store.migrate import upgrade_to_head
from store.models import Case


def test_the_embedded_default_generates_one_key_once_for_the_owner_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = load_keyring(settings)
    again = load_keyring(settings)

    key_file = tmp_path / "payload-keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first == again and len(first.keys) == 1


async def test_after_rotation_new_payloads_use_the_new_key_and_old_ones_still_open(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path)
    old = EncryptionCodec(load_keyring(settings))
    [sealed_before] = await old.encode([Payload(metadata={"encoding": b"json/plain"}, data=b"1")])

    new_id = rotate(settings)
    ring = load_keyring(settings)
    new = EncryptionCodec(ring)
    [sealed_after] = await new.encode([Payload(data=b"2")])

    assert ring.active == new_id and len(ring.keys) == 2
    assert sealed_after.metadata[KEY_ID] == new_id.encode()
    assert [p.data for p in await new.decode([sealed_before, sealed_after])] == [b"1", b"2"]
    assert stat.S_IMODE((tmp_path / "payload-keys").stat().st_mode) == 0o600


async def test_keys_from_the_environment_come_first_and_a_missing_key_is_named(
    tmp_path: Path,
) -> None:
    env_keys = "prod-2:" + "A" * 43 + "=,prod-1:" + "B" * 43 + "="
    settings = Settings(data_dir=tmp_path, payload_keys=SecretStr(env_keys))
    ring = load_keyring(settings)
    assert ring.active == "prod-2" and set(ring.keys) == {"prod-1", "prod-2"}
    assert not (tmp_path / "payload-keys").exists()

    foreign = EncryptionCodec(load_keyring(Settings(data_dir=tmp_path / "other")))
    [sealed] = await foreign.encode([Payload(data=b"x")])
    with pytest.raises(KeyRingError, match="not in the key ring"):
        await EncryptionCodec(ring).decode([sealed])


def test_a_configured_key_file_that_is_missing_is_an_error_not_a_new_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, payload_key_file=tmp_path / "absent")
    with pytest.raises(KeyRingError, match="does not exist"):
        load_keyring(settings)


def test_a_short_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyRingError, match="AES-256 needs 32"):
        load_keyring(Settings(data_dir=tmp_path, payload_keys=SecretStr("k1:AAAA")))


def test_reseal_moves_stored_contacts_to_the_newest_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    upgrade_to_head(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    previous = sealed._ring
    try:
        sealed.use_keyring(load_keyring(settings))
        with Session(engine) as session:
            session.add(
                Case(
                    case_id="ZK-1", do="CLAS", unit="CLAS", category="c", channel="mid",
                    melder_type="medewerker", phase="intake", melder_contact="m@example.invalid",
                )
            )  # fmt: skip
            session.commit()
        new_id = rotate(settings)
        assert reseal_store(settings) == 1
        assert reseal_store(settings) == 0  # already under the newest key
        with engine.connect() as connection:
            raw = connection.execute(text('SELECT melder_contact FROM "case"')).scalar_one()
        assert raw.startswith(f"sealed:{new_id}:")
        with Session(engine) as session:
            case = session.get(Case, "ZK-1")
            assert case is not None and case.melder_contact == "m@example.invalid"
    finally:
        sealed.use_keyring(previous)


def test_production_never_generates_a_key_of_its_own(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, jwks_url="https://idp.example/jwks")
    with pytest.raises(KeyRingError, match="SG989_PAYLOAD_KEYS"):
        load_keyring(settings)
    assert not (tmp_path / "payload-keys").exists()
