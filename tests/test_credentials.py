"""NDEx credentials: profiles, the environment, and the ways they go wrong (each one line, nothing leaked)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pfocr_ndex.credentials import normalize_server, resolve_credentials
from pfocr_ndex.errors import PfocrError


def test_credentials_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "c.conf"
    conf.write_text("[pfocr]\nuser = wp\npassword = pw%1\nserver = public.ndexbio.org\n[nopass]\nuser = x\n")
    conf.chmod(0o600)
    creds = resolve_credentials(profile="pfocr", conf=conf, environ={})
    assert creds is not None
    assert (creds.server, creds.username, creds.password) == ("https://public.ndexbio.org", "wp", "pw%1")
    assert "pw%1" not in repr(creds)
    with pytest.raises(PfocrError, match=r"no \[other\] profile"):
        resolve_credentials(profile="other", conf=conf, environ={})
    with pytest.raises(PfocrError, match="needs both"):
        resolve_credentials(profile="nopass", conf=conf, environ={})
    env = resolve_credentials(
        environ={"NDEX_USERNAME": "u", "NDEX_PASSWORD": "p", "NDEX_SERVER": "http://localhost:8080/"}
    )
    assert env is not None and (env.server, env.username) == ("http://127.0.0.1:8080", "u")
    assert resolve_credentials(environ={}) is None
    with pytest.raises(PfocrError, match="only one is set"):
        resolve_credentials(environ={"NDEX_USERNAME": "u"})
    with pytest.raises(PfocrError, match="no credentials for"):
        resolve_credentials(server="public.ndexbio.org", environ={})
    assert normalize_server("https://www.ndexbio.org/") == "https://www.ndexbio.org"
    # ndexutil's convention: a [pfocr-ndex] profile in ~/.ndexutils.conf is used when nothing else is given.
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_credentials(environ={}) is None
    (tmp_path / ".ndexutils.conf").write_text("[pfocr-ndex]\nuser = me\npassword = pw\n")
    default = resolve_credentials(environ={})
    assert default is not None
    assert (default.server, default.username, default.password) == ("https://www.ndexbio.org", "me", "pw")
    from_env = resolve_credentials(environ={"NDEX_USERNAME": "u", "NDEX_PASSWORD": "p"})
    assert from_env is not None and from_env.username == "u"


def test_a_conf_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    conf = tmp_path / "latin1.conf"
    conf.write_bytes("[pfocr]\nuser = wp\npassword = caf\xe9\n".encode("latin-1"))
    with pytest.raises(PfocrError) as caught:
        resolve_credentials(profile="pfocr", conf=conf, environ={})
    assert str(caught.value) == f"{conf}: not UTF-8 text (byte 0xe9 at offset 32)"


def test_blanks_around_a_password_are_kept_and_said(tmp_path: Path) -> None:
    conf = tmp_path / "c.conf"
    conf.write_text("[pfocr]\nuser = wp\npassword =  two lead, one trail \n[plain]\nuser = x\npassword=exact\n")
    conf.chmod(0o600)
    warnings: list[str] = []
    creds = resolve_credentials(profile="pfocr", conf=conf, environ={}, warn=warnings.append)
    assert creds is not None and creds.password == " two lead, one trail "
    assert warnings == [f"{conf}: the password in [pfocr] has blanks around it; they are sent as written"]
    assert " two lead" not in warnings[0]
    plain = resolve_credentials(profile="plain", conf=conf, environ={}, warn=warnings.append)
    assert plain is not None and plain.password == "exact" and len(warnings) == 1


def test_a_conf_other_users_can_read_is_warned_about(tmp_path: Path) -> None:
    conf = tmp_path / "c.conf"
    conf.write_text("[pfocr]\nuser = wp\npassword = secret-pw\n")
    conf.chmod(0o644)
    warnings: list[str] = []
    resolve_credentials(profile="pfocr", conf=conf, environ={}, warn=warnings.append)
    assert warnings == [f"{conf}: other users can read this credentials file; run: chmod 600 {conf}"]
    conf.chmod(0o600)
    resolve_credentials(profile="pfocr", conf=conf, environ={}, warn=warnings.append)
    assert len(warnings) == 1


def test_user_info_in_a_server_address_is_dropped_and_never_shown(tmp_path: Path) -> None:
    warnings: list[str] = []
    creds = resolve_credentials(
        environ={"NDEX_USERNAME": "u", "NDEX_PASSWORD": "p", "NDEX_SERVER": "http://user:pa55@ndex.example.org/"},
        warn=warnings.append,
    )
    assert creds is not None and creds.server == "http://ndex.example.org"
    assert len(warnings) == 1 and "NDEX_SERVER" in warnings[0] and "pa55" not in warnings[0]
    with pytest.raises(PfocrError) as caught:
        resolve_credentials(server="https://me:pa55@ndex.example.org", environ={}, warn=warnings.append)
    assert "pa55" not in str(caught.value) and "https://ndex.example.org" in str(caught.value)


def test_non_ascii_passwords_are_kept_as_text(tmp_path: Path) -> None:
    conf = tmp_path / "c.conf"
    conf.write_text("[pfocr]\nuser = wp\npassword = pässwörd-密码\n", encoding="utf-8")
    os.chmod(conf, 0o600)
    creds = resolve_credentials(profile="pfocr", conf=conf, environ={})
    assert creds is not None and creds.password == "pässwörd-密码"
