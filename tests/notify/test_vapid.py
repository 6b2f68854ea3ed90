"""The VAPID key pair: made once in the data dir and kept across restarts, or from settings."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from lastmile.config import Settings
from lastmile.errors import InsecureSettings
from lastmile.notify.vapid import KEY_FILE, load_keys, public_key_b64


def _public_key_in_a_new_process(data_dir: Path) -> str:
    env = {**os.environ, "LASTMILE_DATA_DIR": str(data_dir)}
    env.pop("LASTMILE_VAPID_PRIVATE_KEY", None)
    code = "from lastmile.config import Settings; from lastmile.notify.vapid import load_keys; "
    code += "print(load_keys(Settings(_env_file=None)).public_key)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_key_pair_is_made_once_and_survives_restarts(tmp_path: Path) -> None:
    first = _public_key_in_a_new_process(tmp_path)
    second = _public_key_in_a_new_process(tmp_path)
    assert first == second
    assert len(base64.urlsafe_b64decode(first + "=")) == 65
    key_file = tmp_path / KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert list(tmp_path.iterdir()) == [key_file]  # no scratch file left behind
    other = tmp_path / "elsewhere"
    assert _public_key_in_a_new_process(other) != first


def test_a_configured_key_is_used_and_not_written_anywhere(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        vapid_private_key=base64.urlsafe_b64encode(raw).rstrip(b"=").decode(),
        vapid_subject="mailto:ops@example.fi",
    )
    keys = load_keys(settings)
    assert keys.public_key == public_key_b64(key)
    assert keys.subject == "mailto:ops@example.fi"
    assert not (tmp_path / KEY_FILE).exists()
    assert "signer" not in repr(keys)


def test_a_broken_key_or_subject_stops_with_the_settings_name(tmp_path: Path) -> None:
    broken = Settings(_env_file=None, data_dir=tmp_path, vapid_private_key="not-a-key")  # type: ignore[call-arg]
    with pytest.raises(InsecureSettings, match="LASTMILE_VAPID_PRIVATE_KEY"):
        load_keys(broken)
    wrong = Settings(_env_file=None, data_dir=tmp_path, vapid_subject="ops@example.fi")  # type: ignore[call-arg]
    with pytest.raises(InsecureSettings, match="LASTMILE_VAPID_SUBJECT"):
        load_keys(wrong)


def test_the_subject_defaults_to_an_https_public_url(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, public_url="https://track.example.fi/")  # type: ignore[call-arg]
    assert load_keys(settings).subject == "https://track.example.fi"
