"""NDEx credentials: a ``~/.ndexutils.conf`` profile or ``NDEX_USERNAME``/``NDEX_PASSWORD``/``NDEX_SERVER``.

The password is kept out of every ``repr``/``str``, so it cannot leak into logs, reports or
error messages by accident.

``~/.ndexutils.conf`` is the INI file the ndexutil tools use, one section per profile::

    [pfocr]
    user = wikipathways
    password = ...
    server = public.ndexbio.org
"""

from __future__ import annotations

import configparser
import contextlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from .errors import PfocrError

__all__ = ["DEFAULT_CONF", "DEFAULT_SERVER", "Credentials", "normalize_server", "resolve_credentials"]

DEFAULT_CONF = Path("~/.ndexutils.conf")
DEFAULT_PROFILE = "pfocr-ndex"  # ndexutil's convention: the tool's name
DEFAULT_SERVER = "https://www.ndexbio.org"


@dataclass(frozen=True)
class Credentials:
    """Server URL, user name and password (hidden from ``repr``)."""

    server: str
    username: str
    password: str = field(repr=False)
    source: str = ""  # where they came from, for messages: "profile pfocr in ~/.ndexutils.conf"


def normalize_server(server: str) -> str:
    """A base URL ndex2 handles: scheme added (https), no trailing slash, no user info, ``localhost`` → ``127.0.0.1``.

    ndex2 switches to legacy v1 routes whenever ``localhost`` appears in the host, hence the rewrite; user
    info (``https://user:password@host``) is dropped so that it never reaches a message, report or file name
    (credentials come from the profile or NDEX_USERNAME/NDEX_PASSWORD).

    >>> normalize_server("public.ndexbio.org")
    'https://public.ndexbio.org'
    >>> normalize_server("http://localhost:8080/")
    'http://127.0.0.1:8080'
    >>> normalize_server("https://alice:secret@www.ndexbio.org")
    'https://www.ndexbio.org'
    """
    server = server.strip().rstrip("/")
    if not server:
        raise PfocrError("empty NDEx server address")
    if "://" not in server:
        server = "https://" + server
    scheme, _, rest = server.partition("://")
    host, slash, path = rest.partition("/")
    host = host.rsplit("@", 1)[-1]
    if not host:
        raise PfocrError("the NDEx server address has no host name")
    return f"{scheme}://{host}{slash}{path}".replace("://localhost", "://127.0.0.1")


def _has_user_info(server: str) -> bool:
    return "@" in server.partition("://")[2].partition("/")[0]


def resolve_credentials(
    *,
    server: str | None = None,
    profile: str | None = None,
    conf: str | PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    warn: Callable[[str], None] | None = None,
) -> Credentials | None:
    """Find credentials: ``profile`` in ``conf`` (default ``~/.ndexutils.conf``), else the environment,
    else a ``[pfocr-ndex]`` profile in ``~/.ndexutils.conf`` if there is one.

    Returns ``None`` when none are found at all (the caller may then use a local sandbox).
    ``server`` overrides the server named by the profile or environment. ``warn`` receives one-line
    warnings (a credentials file other users can read, user info in a server address, a password with
    surrounding blanks). Raises ``PfocrError`` for a missing profile/file or an incomplete set of credentials.
    """
    environ = os.environ if environ is None else environ
    warn = warn or (lambda message: None)
    for given, name in ((server, "--server"), (environ.get("NDEX_SERVER"), "NDEX_SERVER")):
        if given and _has_user_info(given):
            warn(f"{name}: the user name and password in the address are ignored (use a profile or NDEX_USERNAME)")
    if profile is not None or conf is not None:
        path = Path(conf).expanduser() if conf is not None else DEFAULT_CONF.expanduser()
        return _from_profile(path, profile or DEFAULT_PROFILE, server, warn)
    user, password = environ.get("NDEX_USERNAME", "").strip(), environ.get("NDEX_PASSWORD", "")
    if user or password:
        if not (user and password):
            raise PfocrError("set both NDEX_USERNAME and NDEX_PASSWORD (only one is set)")
        host = server or environ.get("NDEX_SERVER", "").strip() or DEFAULT_SERVER
        return Credentials(normalize_server(host), user, password, "NDEX_USERNAME/NDEX_PASSWORD")
    default_conf = DEFAULT_CONF.expanduser()
    if default_conf.is_file() and _read_conf(default_conf)[0].has_section(DEFAULT_PROFILE):
        return _from_profile(default_conf, DEFAULT_PROFILE, server, warn)
    if server or environ.get("NDEX_SERVER"):
        raise PfocrError(
            f"no credentials for {normalize_server(server or environ['NDEX_SERVER'])}: use --profile "
            "(~/.ndexutils.conf) or set NDEX_USERNAME and NDEX_PASSWORD"
        )
    return None


def _read_conf(path: Path) -> tuple[configparser.ConfigParser, str]:
    """The parsed file and its text (raw values are read from the text)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise PfocrError("credentials file not found", path) from None
    except OSError as err:
        raise PfocrError(f"cannot read the file: {err.strerror or err}", path) from None
    except UnicodeDecodeError as err:
        raise PfocrError(f"not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset {err.start})", path) from None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as err:
        raise PfocrError(f"cannot parse the file: {type(err).__name__}", path) from None
    return parser, text


def _raw_value(text: str, section: str, key: str) -> str | None:
    """A key's value as written (configparser strips blanks): only the blank after ``=``/``:`` is dropped."""
    current = None
    for line in text.splitlines():
        header = re.match(r"\s*\[([^\]]*)\]\s*$", line)
        if header:
            current = header.group(1)
            continue
        if current == section:
            match = re.match(r"\s*([^=:\s]+)\s*[=:] ?(.*)$", line)
            if match and match.group(1).lower() == key:
                return match.group(2)
    return None


def _from_profile(path: Path, section: str, server: str | None, warn: Callable[[str], None]) -> Credentials:
    parser, text = _read_conf(path)
    if not parser.has_section(section):
        raise PfocrError(f"no [{section}] profile in this file", path)
    values = parser[section]
    user, password = values.get("user", "").strip(), values.get("password", "")
    if not user or not password:
        raise PfocrError(f"profile [{section}] needs both 'user' and 'password'", path)
    raw = _raw_value(text, section, "password")
    if raw is not None and raw.strip() == password and raw != password:
        warn(f"{path}: the password in [{section}] has blanks around it; they are sent as written")
        password = raw
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            warn(f"{path}: other users can read this credentials file; run: chmod 600 {path}")
    host = server or values.get("server", "").strip() or DEFAULT_SERVER
    return Credentials(normalize_server(host), user, password, f"profile [{section}] in {path}")
