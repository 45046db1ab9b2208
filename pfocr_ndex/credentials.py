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
import os
from collections.abc import Mapping
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
    """A base URL ndex2 handles: scheme added (https), no trailing slash, ``localhost`` → ``127.0.0.1``.

    ndex2 switches to legacy v1 routes whenever ``localhost`` appears in the host, hence the rewrite.

    >>> normalize_server("public.ndexbio.org")
    'https://public.ndexbio.org'
    >>> normalize_server("http://localhost:8080/")
    'http://127.0.0.1:8080'
    """
    server = server.strip().rstrip("/")
    if not server:
        raise PfocrError("empty NDEx server address")
    if "://" not in server:
        server = "https://" + server
    return server.replace("://localhost", "://127.0.0.1")


def resolve_credentials(
    *,
    server: str | None = None,
    profile: str | None = None,
    conf: str | PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Credentials | None:
    """Find credentials: ``profile`` in ``conf`` (default ``~/.ndexutils.conf``), else the environment,
    else a ``[pfocr-ndex]`` profile in ``~/.ndexutils.conf`` if there is one.

    Returns ``None`` when none are found at all (the caller may then use a local sandbox).
    ``server`` overrides the server named by the profile or environment.
    Raises ``PfocrError`` for a missing profile/file or an incomplete set of credentials.
    """
    environ = os.environ if environ is None else environ
    if profile is not None or conf is not None:
        path = Path(conf).expanduser() if conf is not None else DEFAULT_CONF.expanduser()
        return _from_profile(path, profile or DEFAULT_PROFILE, server)
    user, password = environ.get("NDEX_USERNAME", "").strip(), environ.get("NDEX_PASSWORD", "")
    if user or password:
        if not (user and password):
            raise PfocrError("set both NDEX_USERNAME and NDEX_PASSWORD (only one is set)")
        host = server or environ.get("NDEX_SERVER", "").strip() or DEFAULT_SERVER
        return Credentials(normalize_server(host), user, password, "NDEX_USERNAME/NDEX_PASSWORD")
    default_conf = DEFAULT_CONF.expanduser()
    if default_conf.is_file() and _read_conf(default_conf).has_section(DEFAULT_PROFILE):
        return _from_profile(default_conf, DEFAULT_PROFILE, server)
    if server or environ.get("NDEX_SERVER"):
        raise PfocrError(
            f"no credentials for {server or environ['NDEX_SERVER']}: use --profile "
            "(~/.ndexutils.conf) or set NDEX_USERNAME and NDEX_PASSWORD"
        )
    return None


def _read_conf(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        read = parser.read(path, encoding="utf-8")
    except configparser.Error as err:
        raise PfocrError(f"cannot parse the file: {type(err).__name__}", path) from None
    if not read:
        raise PfocrError("credentials file not found", path)
    return parser


def _from_profile(path: Path, section: str, server: str | None) -> Credentials:
    parser = _read_conf(path)
    if not parser.has_section(section):
        raise PfocrError(f"no [{section}] profile in this file", path)
    values = parser[section]
    user, password = values.get("user", "").strip(), values.get("password", "")
    if not user or not password:
        raise PfocrError(f"profile [{section}] needs both 'user' and 'password'", path)
    host = server or values.get("server", "").strip() or DEFAULT_SERVER
    return Credentials(normalize_server(host), user, password, f"profile [{section}] in {path}")
