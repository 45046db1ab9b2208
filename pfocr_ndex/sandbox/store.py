"""SQLite state of the NDEx sandbox and the server-side rules of the endpoints it serves.

Each method is one NDEx operation as ndex-rest performs it (``NetworkServiceV2``,
``v3/NetworkServiceV3``, ``NetworkSetServiceV2``, ``UserServiceV2``, ``CX2NetworkLoadingTask``):
same checks in the same order, failures raised as :class:`ApiError` carrying the status and
NDEx ``errorCode`` the real server answers with.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import threading
import time
import uuid as uuidlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from ..errors import PfocrError
from ..validate import validate_cx2

__all__ = ["DB_FILENAME", "DEFAULT_DISK_QUOTA", "VISIBILITIES", "ApiError", "SandboxStore"]

DB_FILENAME = "ndex-sandbox.sqlite"
VISIBILITIES = ("PUBLIC", "PRIVATE", "UNLISTED")
INDEX_LEVELS = ("NONE", "META", "ALL")
DEFAULT_DISK_QUOTA = 10 * 1000_000_000  # UserDAO.default_disk_quota
BATCH_SUMMARY_LIMIT = 2000  # BatchServiceV2 / v3 BatchService
RESERVED_ATTRIBUTES = ("name", "description", "version")
VARCHAR_LIMITS = {"name": 500, "version": 100}  # network table columns

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, external_id TEXT UNIQUE NOT NULL,
    salt BLOB, password_hash BLOB, creation_time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS networks (
    uuid TEXT PRIMARY KEY, owner_id TEXT NOT NULL, cx2_size INTEGER NOT NULL,
    name TEXT, description TEXT, version TEXT, properties TEXT NOT NULL DEFAULT '[]',
    node_count INTEGER NOT NULL DEFAULT 0, edge_count INTEGER NOT NULL DEFAULT 0,
    has_layout INTEGER NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL DEFAULT 'PRIVATE', requested_visibility TEXT,
    index_level TEXT NOT NULL DEFAULT 'NONE', read_only INTEGER NOT NULL DEFAULT 0,
    showcase INTEGER NOT NULL DEFAULT 0,
    is_valid INTEGER NOT NULL DEFAULT 0, completed INTEGER NOT NULL DEFAULT 0, error TEXT,
    warnings TEXT NOT NULL DEFAULT '[]', locked INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0, folder_id TEXT,
    creation_time INTEGER NOT NULL, modification_time INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS networks_by_owner ON networks (owner_id, deleted, modification_time);
CREATE INDEX IF NOT EXISTS networks_by_folder ON networks (folder_id);
CREATE TABLE IF NOT EXISTS network_cx2 (uuid TEXT PRIMARY KEY, cx2 BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS folders (
    uuid TEXT PRIMARY KEY, owner_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
    parent TEXT, deleted INTEGER NOT NULL DEFAULT 0,
    creation_time INTEGER NOT NULL, modification_time INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS folders_by_parent ON folders (parent);
CREATE TABLE IF NOT EXISTS shortcuts (
    uuid TEXT PRIMARY KEY, owner_id TEXT NOT NULL, folder_id TEXT NOT NULL, target TEXT NOT NULL,
    creation_time INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS shortcuts_by_folder ON shortcuts (folder_id);
"""


class ApiError(Exception):
    """An NDEx error answer: HTTP ``status`` with the JSON body ``{errorCode, message, ...}``."""

    def __init__(self, status: int, code: str, message: str, *, description: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.description = description

    @classmethod
    def not_found(cls, message: str) -> ApiError:
        return cls(404, "NDEx_Object_Not_Found_Exception", message)

    @classmethod
    def unauthorized(cls, message: str) -> ApiError:
        return cls(401, "NDEx_Unauthorized_Operation_Exception", message)

    @classmethod
    def forbidden(cls, message: str) -> ApiError:
        return cls(403, "NDEx_Forbidden_Operation_Exception", message)

    @classmethod
    def bad_request(cls, message: str) -> ApiError:
        return cls(400, "NDEx_Bad_Request_Exception", message)

    @classmethod
    def server(cls, message: str) -> ApiError:
        return cls(500, "NDEx_Exception", message)

    @classmethod
    def uncaught(cls, java_class: str, message: str) -> ApiError:
        """What ``DefaultExceptionMapper`` makes of an unexpected Java exception."""
        return cls.server(f"Uncaught exception {java_class}: {message}")

    @classmethod
    def locked(cls) -> ApiError:
        return cls(
            500,
            "NDEx_Concurrent_Modification_Exception",
            "This network is currently locked by another updating process. Please try again.",
        )

    @classmethod
    def invalid_network(cls) -> ApiError:
        return cls(500, "NDEx_Modify_Invalid_Network_Exception", "This operation is not allowed on an invalid network.")


def parse_uuid(text: str) -> str:
    """The canonical form of a UUID string, or the 500 ``UUID.fromString`` causes."""
    try:
        return str(uuidlib.UUID(text))
    except (ValueError, AttributeError, TypeError):
        raise ApiError.uncaught("java.lang.IllegalArgumentException", f"Invalid UUID string: {text}") from None


def parse_visibility(text: str | None) -> str | None:
    """``VisibilityType.valueOf``: exact names only, anything else a 500."""
    if text is None:
        return None
    if text not in VISIBILITIES:
        raise ApiError.uncaught(
            "java.lang.IllegalArgumentException",
            f"No enum constant org.ndexbio.model.object.network.VisibilityType.{text}",
        )
    return text


def now_ms() -> int:
    return int(time.time() * 1000)


def _new_ndex_uuid() -> str:
    # NDEx mints time-based (version 1) UUIDs, e.g. 85034b42-de8a-11ea-99da-0ac135e8bacf
    return str(uuidlib.uuid1())


def _password_hash(salt: bytes, password: str) -> bytes:
    return hashlib.sha256(salt + password.encode("utf-8")).digest()


class _LoadFailure(Exception):
    """The loading task rejected the uploaded CX2 (becomes the summary's ``errorMessage``)."""


def _network_attribute_value_text(value: Any, data_type: str) -> str:
    """``CxNetworkAttribute.toV1PropertyList``: ``toString()`` of single values, JSON of lists."""
    if data_type.startswith("list_of_"):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _aspect_elements(cx2: list[Any], aspect: str) -> list[Any]:
    elements: list[Any] = []
    for fragment in cx2:
        if isinstance(fragment, dict) and isinstance(fragment.get(aspect), list):
            elements.extend(fragment[aspect])
    return elements


def _summarize_cx2(cx2: Any) -> dict[str, Any]:
    """What ``CX2NetworkLoader`` records about an accepted network."""
    declarations = _aspect_elements(cx2, "attributeDeclarations")
    declared = declarations[0].get("networkAttributes", {}) if declarations else {}
    attributes_list = _aspect_elements(cx2, "networkAttributes")
    attributes = attributes_list[0] if attributes_list else {}
    properties = []
    for key, value in attributes.items():
        if key in RESERVED_ATTRIBUTES:
            continue
        data_type = (declared.get(key) or {}).get("d") or "string"
        properties.append(
            {"predicateString": key, "dataType": data_type, "value": _network_attribute_value_text(value, data_type)}
        )
    for key in RESERVED_ATTRIBUTES:
        if attributes.get(key) is not None and not isinstance(attributes[key], str):
            raise _LoadFailure(f"Network attribute {key} has to be a string.")
    for column, limit in VARCHAR_LIMITS.items():
        value = attributes.get(column)
        if isinstance(value, str) and len(value) > limit:
            raise _LoadFailure(
                f"DB error when saving network summary: ERROR: value too long for type character varying({limit})"
            )
    nodes = _aspect_elements(cx2, "nodes")
    status = _aspect_elements(cx2, "status")
    warnings = []
    if status and isinstance(status[0], dict) and status[0].get("error"):
        warnings.append("Message from Status aspect: " + str(status[0]["error"]))
    return {
        "name": attributes.get("name"),
        "description": attributes.get("description"),
        "version": attributes.get("version"),
        "properties": properties,
        "node_count": len(nodes),
        "edge_count": len(_aspect_elements(cx2, "edges")),
        "has_layout": any(isinstance(n, dict) and "x" in n for n in nodes),
        "warnings": warnings,
    }


def _typed_value(value: Any, data_type: str) -> Any:
    """A property value (text, as ndex2 sends them) as the JSON value its CX2 ``dataType`` needs."""
    if data_type.startswith("list_of_"):
        items = json.loads(value) if isinstance(value, str) else value
        if not isinstance(items, list):
            raise ValueError(f"Value {value} is not a list.")
        return [_typed_value(item, data_type[len("list_of_") :]) for item in items]
    if not isinstance(value, str):
        return value
    if data_type in ("integer", "long"):
        return int(value)
    if data_type == "double":
        return float(value)
    if data_type == "boolean":
        return value.lower() == "true"
    return value


def _replace_network_attributes(cx2: list[Any], row: sqlite3.Row, properties: list[dict[str, Any]]) -> list[Any]:
    """``updateNetworkAttributesAspect``: the CX2 with its network attributes rebuilt from the
    summary's name/description/version and ``properties``."""
    attributes: dict[str, Any] = {key: row[key] for key in RESERVED_ATTRIBUTES if row[key] is not None}
    declared: dict[str, Any] = {key: {"d": "string"} for key in attributes}
    for prop in properties:
        attributes[prop["predicateString"]] = _typed_value(prop["value"], prop["dataType"])
        declared[prop["predicateString"]] = {"d": prop["dataType"]}
    aspects = [f for f in cx2 if not (isinstance(f, dict) and "networkAttributes" in f)]
    keys = [next(iter(f), None) if isinstance(f, dict) else None for f in aspects]
    if "attributeDeclarations" in keys:
        index = keys.index("attributeDeclarations")
        old = aspects[index]["attributeDeclarations"]
        aspects[index] = {"attributeDeclarations": [{**(old[0] if old else {}), "networkAttributes": declared}]}
    else:  # declarations come right after CXVersion and metaData
        index = 2 if "metaData" in keys[:2] else 1
        aspects.insert(index, {"attributeDeclarations": [{"networkAttributes": declared}]})
    aspects.insert(index + 1, {"networkAttributes": [attributes]})
    return aspects


def load_cx2(data: bytes) -> dict[str, Any]:
    """Run the loading task's checks on uploaded CX2 bytes: its summary fields, or ``_LoadFailure``."""
    try:
        cx2 = orjson.loads(data)
    except orjson.JSONDecodeError as err:
        raise _LoadFailure(f"Unexpected character in CX2 stream: {err}") from None
    try:
        errors = validate_cx2(cx2)
    except Exception as err:  # the real task turns any RuntimeException into the errorMessage
        raise _LoadFailure(str(err) or "Unknow server error.") from None
    if errors:
        raise _LoadFailure(errors[0])
    try:
        return _summarize_cx2(cx2)
    except _LoadFailure:
        raise
    except Exception as err:  # a document the validator let through but the loader cannot read
        raise _LoadFailure(str(err) or "Unknow server error.") from None


class SandboxStore:
    """Thread-safe SQLite store holding users, networks, folders (network sets) and shortcuts."""

    def __init__(
        self, path: str | os.PathLike[str], *, max_set_size: int = 100_000, disk_quota: int = DEFAULT_DISK_QUOTA
    ) -> None:
        self.path = Path(path)
        self.max_set_size = max_set_size
        self.disk_quota = disk_quota
        self._lock = threading.RLock()
        # bytes of CX2 per owner, summed once from the table and then kept up to date by every write
        # (a SUM over an owner's networks on each upload grows with the account: ~14 ms at 100,000)
        self._disk_used_by: dict[str, int] = {}
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        has_tables = self._db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] > 0
        if has_tables and version != SCHEMA_VERSION:
            self._db.close()
            raise PfocrError(
                f"database of another sandbox version ({version}, expected {SCHEMA_VERSION}); "
                "move it away to start afresh",
                self.path,
            )
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- helpers --------------------------------------------------------------------------

    def _one(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Row | None:
        return self._db.execute(sql, tuple(args)).fetchone()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """All statements inside commit together or not at all (callers hold ``self._lock``)."""
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _cx2(self, network_id: str) -> bytes:
        return bytes(self._one("SELECT cx2 FROM network_cx2 WHERE uuid = ?", (network_id,))["cx2"])

    def _network(self, network_id: str) -> sqlite3.Row:
        row = self._one("SELECT * FROM networks WHERE uuid = ? AND deleted = 0", (network_id,))
        if row is None:
            raise ApiError.not_found(f"Network {network_id} not found.")
        return row

    @staticmethod
    def _readable(row: sqlite3.Row, user_id: str | None) -> bool:
        return row["visibility"] in ("PUBLIC", "UNLISTED") or row["owner_id"] == user_id

    def _summary(self, row: sqlite3.Row, *, v3: bool = False) -> dict[str, Any]:
        owner = self._one("SELECT name FROM users WHERE external_id = ?", (row["owner_id"],))
        summary: dict[str, Any] = {
            "ownerUUID": row["owner_id"],
            "isReadOnly": bool(row["read_only"]),
            "subnetworkIds": [],
            "isValid": bool(row["is_valid"]),
            "warnings": json.loads(row["warnings"]),
            "isShowcase": bool(row["showcase"]),
            "isCertified": False,
            "indexLevel": row["index_level"],
            "hasLayout": bool(row["has_layout"]),
            "hasSample": False,
            "cxFileSize": 0,
            "cx2FileSize": row["cx2_size"],
            "visibility": row["visibility"],
            "nodeCount": row["node_count"],
            "edgeCount": row["edge_count"],
            "completed": bool(row["completed"]),
            "owner": owner["name"] if owner else None,
            "properties": json.loads(row["properties"]),
            "externalId": row["uuid"],
            "isDeleted": False,
            "modificationTime": row["modification_time"],
            "creationTime": row["creation_time"],
        }
        for key in ("name", "description", "version"):
            if row[key] is not None:
                summary[key] = row[key]
        if row["error"] is not None:
            summary["errorMessage"] = row["error"]
        if v3 and row["folder_id"] is not None:
            summary["folderId"] = row["folder_id"]
        return summary

    def _disk_used(self, user_id: str) -> int:
        used = self._disk_used_by.get(user_id)
        if used is None:
            row = self._one("SELECT COALESCE(SUM(cx2_size), 0) FROM networks WHERE owner_id = ?", (user_id,))
            used = self._disk_used_by[user_id] = int(row[0])
        return used

    def _add_disk_used(self, user_id: str, change: int) -> None:
        """Account a committed change of ``user_id``'s stored CX2 bytes (callers hold ``self._lock``)."""
        if user_id in self._disk_used_by:
            self._disk_used_by[user_id] += change

    def _check_disk_space(self, user_id: str) -> None:
        """``UserDAO.checkDiskSpace``: refuse once the space already used reaches the quota."""
        if self.disk_quota >= 0 and self._disk_used(user_id) >= self.disk_quota:
            raise ApiError.forbidden(
                f"You have used all allocated disk space ({self.disk_quota}). "
                "Please contact support@ndexbio.org if you need more disk space."
            )

    # --- users ----------------------------------------------------------------------------

    def add_user(self, name: str, password: str | None) -> str:
        """Create (or reset the password of) account ``name``; returns its ``externalId``."""
        name = name.lower()
        salt = os.urandom(16)
        digest = None if password is None else _password_hash(salt, password)
        with self._lock:
            row = self._one("SELECT external_id FROM users WHERE name = ?", (name,))
            if row is not None:
                if password is not None:
                    self._db.execute(
                        "UPDATE users SET salt = ?, password_hash = ? WHERE name = ?", (salt, digest, name)
                    )
                return row["external_id"]
            external_id = str(uuidlib.uuid4())
            self._db.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?)", (name, external_id, salt, digest, now_ms()))
            return external_id

    def authenticate(self, name: str, password: str) -> str:
        """``BasicAuthenticationFilter``: the user's id, or the 401 the filter answers."""
        with self._lock:
            row = self._one("SELECT * FROM users WHERE name = ?", (name.lower(),))
        if row is None:
            raise ApiError(401, "NDEx_Object_Not_Found_Exception", f"User {name.lower()} doesn't exist.")
        if row["password_hash"] is None or not hmac.compare_digest(
            row["password_hash"], _password_hash(row["salt"], password)
        ):
            raise ApiError.unauthorized(f"Invalid password for user {name}.")
        return row["external_id"]

    def user_id(self, name: str) -> str | None:
        with self._lock:
            row = self._one("SELECT external_id FROM users WHERE name = ?", (name.lower(),))
        return row["external_id"] if row else None

    def user(self, name: str | None) -> dict[str, Any]:
        """``GET /v2/user?username=``."""
        if not name:
            raise ApiError.uncaught(
                "java.lang.IllegalArgumentException", "parameter username or email is required in the URL."
            )
        with self._lock:
            row = self._one("SELECT * FROM users WHERE name = ?", (name.lower(),))
            if row is None:
                raise ApiError.not_found(f"User {name.lower()} doesn't exist.")
            used = self._disk_used(row["external_id"])
        return {
            "properties": {},
            "isIndividual": True,
            "userName": row["name"],
            "isVerified": True,
            "firstName": row["name"],
            "lastName": "",
            "emailAddress": f"{row['name']}@sandbox.invalid",
            "diskQuota": self.disk_quota,
            "diskUsed": used,
            "externalId": row["external_id"],
            "isDeleted": False,
            "modificationTime": row["creation_time"],
            "creationTime": row["creation_time"],
        }

    # --- networks -------------------------------------------------------------------------

    def create_network(
        self,
        user_id: str,
        cx2: bytes,
        *,
        visibility: str | None = None,
        folder_id: str | None = None,
        network_id: str | None = None,
    ) -> dict[str, Any]:
        """Store an upload, locked and not yet validated (``processRawCX2Network``)."""
        with self._lock:
            self._check_disk_space(user_id)
            if folder_id is not None:
                self._check_folder_room(folder_id, 1)
            network_id = network_id or _new_ndex_uuid()
            stamp = now_ms()
            with self._transaction():
                self._db.execute(
                    "INSERT INTO networks (uuid, owner_id, cx2_size, requested_visibility, locked, folder_id,"
                    " creation_time, modification_time) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
                    (network_id, user_id, len(cx2), visibility, folder_id, stamp, stamp),
                )
                self._db.execute("INSERT OR REPLACE INTO network_cx2 VALUES (?, ?)", (network_id, cx2))
            self._add_disk_used(user_id, len(cx2))
        return {"uuid": network_id, "modificationTime": stamp}

    def update_network(
        self, user_id: str, network_id: str, cx2: bytes, visibility: str | None = None
    ) -> dict[str, Any]:
        """``lockNetworkForUpdate`` + ``clearNetworkSummary``: replace the CX2, locked and unvalidated."""
        with self._lock:
            self._check_disk_space(user_id)
            row = self._network(network_id)
            if row["read_only"]:
                raise ApiError.forbidden("Error: Unable to update a read-only network.")
            if row["owner_id"] != user_id:
                raise ApiError.unauthorized("You do not have write permissions for this network.")
            if row["locked"]:
                raise ApiError.locked()
            stamp = now_ms()
            with self._transaction():
                self._db.execute(
                    "UPDATE networks SET cx2_size = ?, name = NULL, description = NULL, version = NULL,"
                    " properties = '[]', node_count = 0, edge_count = 0, is_valid = 0, completed = 0,"
                    " error = NULL, warnings = '[]', locked = 1, requested_visibility = ?,"
                    " modification_time = ? WHERE uuid = ?",
                    (len(cx2), visibility, stamp, network_id),
                )
                self._db.execute("UPDATE network_cx2 SET cx2 = ? WHERE uuid = ?", (cx2, network_id))
            self._add_disk_used(user_id, len(cx2) - row["cx2_size"])
        return {"uuid": network_id, "modificationTime": stamp}

    def pending_loads(self) -> list[str]:
        """Networks whose loading task has not run (e.g. the sandbox stopped while they were queued)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT uuid FROM networks WHERE locked = 1 AND completed = 0"
                " AND is_valid = 0 AND deleted = 0 ORDER BY modification_time"
            ).fetchall()
        return [r["uuid"] for r in rows]

    def run_loading_task(self, network_id: str) -> None:
        """``CX2NetworkLoadingTask``: validate the stored CX2, fill the summary, unlock.

        On failure: ``errorMessage`` set, ``isValid``/``completed`` true, visibility forced PRIVATE.
        """
        with self._lock:
            row = self._one(
                "SELECT cx2 FROM network_cx2 JOIN networks USING (uuid) WHERE uuid = ? AND locked = 1", (network_id,)
            )
        if row is None:
            return
        try:
            loaded = load_cx2(row["cx2"])
        except _LoadFailure as failure:
            with self._lock:
                self._db.execute(
                    "UPDATE networks SET is_valid = 1, completed = 1, read_only = 0, visibility = 'PRIVATE',"
                    " error = ?, locked = 0, requested_visibility = NULL WHERE uuid = ?",
                    (str(failure), network_id),
                )
            return
        with self._lock:
            self._db.execute(
                "UPDATE networks SET name = ?, description = ?, version = ?, properties = ?,"
                " node_count = ?, edge_count = ?, has_layout = ?, warnings = ?, is_valid = 1, completed = 1,"
                " error = NULL, visibility = COALESCE(requested_visibility, visibility),"
                " requested_visibility = NULL, locked = 0 WHERE uuid = ?",
                (
                    loaded["name"],
                    loaded["description"],
                    loaded["version"],
                    json.dumps(loaded["properties"]),
                    loaded["node_count"],
                    loaded["edge_count"],
                    int(loaded["has_layout"]),
                    json.dumps(loaded["warnings"]),
                    network_id,
                ),
            )

    def network_summary(self, network_id: str, user_id: str | None, *, v3: bool = False) -> dict[str, Any]:
        """``GET /v2/network/<id>/summary`` (and v3 with ``folderId``)."""
        with self._lock:
            row = self._network(network_id)
            if not self._readable(row, user_id):
                raise ApiError.unauthorized(f"Unauthorized access to network {network_id}")
            return self._summary(row, v3=v3)

    def network_summaries(
        self, network_ids: list[Any], user_id: str | None, *, v3: bool = False
    ) -> list[dict[str, Any]]:
        """Batch summaries: readable, existing networks among ``network_ids`` (others skipped)."""
        if len(network_ids) > BATCH_SUMMARY_LIMIT:
            raise ApiError.server(f"You can only send up to {BATCH_SUMMARY_LIMIT} network ids in this function.")
        result = []
        with self._lock:
            for network_id in network_ids:
                row = self._one("SELECT * FROM networks WHERE uuid = ? AND deleted = 0", (parse_uuid(str(network_id)),))
                if row is not None and self._readable(row, user_id):
                    result.append(self._summary(row, v3=v3))
        return result

    def network_cx2(self, network_id: str, user_id: str | None) -> bytes:
        """``GET /v3/networks/<id>``: the stored CX2 bytes."""
        with self._lock:
            row = self._network(network_id)
            if not self._readable(row, user_id):
                raise ApiError.unauthorized("User doesn't have read access to this network.")
            return self._cx2(network_id)

    def delete_network(self, network_id: str, user_id: str, *, permanent: bool, v2: bool = False) -> None:
        """``DELETE /v3/networks/<id>``: soft delete (trash) unless ``permanent``.

        ``v2``: ``DELETE /v2/network/<id>`` (ndex2 ``delete_network``), whose errors differ: 500 for
        a non-owner, the concurrent-modification 500 while locked (ndex2 retries on it).
        """
        with self._lock:
            row = self._one("SELECT * FROM networks WHERE uuid = ? AND deleted = 0", (network_id,))
            if row is None or row["owner_id"] != user_id:
                message = "Only network owner can delete a network."
                raise ApiError.server(message) if v2 else ApiError.unauthorized(message)
            if row["read_only"]:
                raise ApiError.server("Can't delete a read-only network.")
            if row["locked"]:
                if v2:
                    raise ApiError.locked()
                raise ApiError.server("Network is locked by another updating process. Please try again.")
            if permanent:
                with self._transaction():
                    self._db.execute("DELETE FROM networks WHERE uuid = ?", (network_id,))
                    self._db.execute("DELETE FROM network_cx2 WHERE uuid = ?", (network_id,))
                self._add_disk_used(user_id, -row["cx2_size"])
            else:
                self._db.execute("UPDATE networks SET deleted = 1 WHERE uuid = ?", (network_id,))

    def set_system_properties(self, network_id: str, user_id: str, parameters: dict[str, Any]) -> None:
        """``PUT /v2/network/<id>/systemproperty`` (``setNetworkFlag``)."""
        with self._lock:
            row = self._network(network_id)
            if not row["is_valid"]:
                raise ApiError.invalid_network()
            is_owner = row["owner_id"] == user_id
            changes: dict[str, Any] = {}
            if "readOnly" in parameters:
                if not is_owner:
                    raise ApiError.unauthorized("Only network owner can set readOnly Parameter.")
                if not isinstance(parameters["readOnly"], bool):
                    raise ApiError.uncaught("java.lang.ClassCastException", "readOnly is not a Boolean")
                changes["read_only"] = int(parameters["readOnly"])
            if "visibility" in parameters:
                if not is_owner:
                    raise ApiError.unauthorized("Only network owner can set visibility Parameter.")
                changes["visibility"] = parse_visibility(str(parameters["visibility"]))
            if "index_level" in parameters:
                level = parameters["index_level"] or "NONE"
                if level not in INDEX_LEVELS:
                    raise ApiError.uncaught(
                        "java.lang.IllegalArgumentException",
                        f"No enum constant org.ndexbio.model.object.network.NetworkIndexLevel.{level}",
                    )
                changes["index_level"] = level
            if "showcase" in parameters:
                changes["showcase"] = int(bool(parameters["showcase"]))
            if changes:
                assignments = ", ".join(f"{column} = ?" for column in changes)
                self._db.execute(f"UPDATE networks SET {assignments} WHERE uuid = ?", (*changes.values(), network_id))

    def set_properties(self, network_id: str, user_id: str, properties: list[dict[str, Any]]) -> int:
        """``PUT /v2/network/<id>/properties``: replace network attributes (not name/description/version).

        Like ndex-rest, every failure after the reserved-name check is wrapped into a 500 ``NDEx_Exception``.
        """
        for prop in properties:
            if prop.get("predicateString") in RESERVED_ATTRIBUTES:
                raise ApiError.bad_request(
                    "Property list can't contain 'name', 'description' or 'version'. You need to use the "
                    "update network profile function to modify these 3 properties."
                )
        with self._lock:
            try:
                row = self._network(network_id)
                if row["read_only"]:
                    raise ApiError.server("Can't update readonly network.")
                if row["owner_id"] != user_id:
                    raise ApiError.unauthorized("User doesn't have write permissions for this network.")
                if row["locked"]:
                    raise ApiError.locked()
                if not row["is_valid"]:
                    raise ApiError.invalid_network()
            except ApiError as err:
                raise ApiError.server(err.message) from None
            cleaned = [
                {
                    "predicateString": p.get("predicateString"),
                    "dataType": p.get("dataType") or "string",
                    "value": p.get("value")
                    if isinstance(p.get("value"), str)
                    else json.dumps(p.get("value"), separators=(",", ":")),
                }
                for p in properties
            ]
            try:
                cx2 = orjson.dumps(_replace_network_attributes(orjson.loads(self._cx2(network_id)), row, cleaned))
            except (ValueError, TypeError, orjson.JSONDecodeError) as err:
                raise ApiError.server(str(err)) from None
            with self._transaction():
                self._db.execute(
                    "UPDATE networks SET properties = ?, cx2_size = ?, modification_time = ? WHERE uuid = ?",
                    (json.dumps(cleaned), len(cx2), now_ms(), network_id),
                )
                self._db.execute("UPDATE network_cx2 SET cx2 = ? WHERE uuid = ?", (cx2, network_id))
            self._add_disk_used(user_id, len(cx2) - row["cx2_size"])
            return len(cleaned)

    def user_network_summaries(
        self, owner_id: str, caller_id: str | None, offset: int, limit: int
    ) -> list[dict[str, Any]]:
        """``GET /v2/user/<id>/networksummary``: the caller's own networks, newest change first."""
        if owner_id != caller_id:
            raise ApiError.unauthorized("Userid has to be the same as the autheticated user's")
        sql = "SELECT * FROM networks WHERE owner_id = ? AND deleted = 0 ORDER BY modification_time DESC, rowid DESC"
        args: tuple[Any, ...] = (owner_id,)
        if offset >= 0 and limit > 0:
            sql += " LIMIT ? OFFSET ?"
            args += (limit, offset)
        with self._lock:
            return [self._summary(row) for row in self._db.execute(sql, args).fetchall()]

    def search_networks(
        self, search: str, account: str | None, user_id: str | None, start: int, size: int
    ) -> dict[str, Any]:
        """A minimal ``POST /v2/search/network``: case-insensitive substring on name and properties."""
        needle = search.strip().lower()
        owner_id = None
        if account:
            owner_id = self.user_id(account)
            if owner_id is None:
                return {"numFound": 0, "start": start, "networks": []}
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM networks WHERE deleted = 0 AND completed = 1"
                " AND error IS NULL ORDER BY modification_time DESC"
            ).fetchall()
            hits = [
                r
                for r in rows
                if (r["visibility"] == "PUBLIC" or r["owner_id"] == user_id)
                and (owner_id is None or r["owner_id"] == owner_id)
                and (needle in ("", "*") or needle in (r["name"] or "").lower() or needle in r["properties"].lower())
            ]
            page = [self._summary(r) for r in hits[start * size : (start + 1) * size]]
        return {"numFound": len(hits), "start": start, "networks": page}

    # --- network sets (folders) -----------------------------------------------------------

    def _folder(self, folder_id: str) -> sqlite3.Row:
        row = self._one("SELECT * FROM folders WHERE uuid = ? AND deleted = 0", (folder_id,))
        if row is None:
            raise ApiError.not_found(f"Network set or folder {folder_id} not found.")
        return row

    def _folder_item_count(self, folder_id: str) -> int:
        count = 0
        for table, column in (("networks", "folder_id"), ("folders", "parent"), ("shortcuts", "folder_id")):
            deleted = " AND deleted = 0" if table != "shortcuts" else ""
            count += self._one(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?{deleted}", (folder_id,))[0]
        return count

    def _check_folder_room(self, folder_id: str, adding: int) -> None:
        self._folder(folder_id)
        held = self._folder_item_count(folder_id)
        if held + adding > self.max_set_size:
            raise ApiError.bad_request(
                f"Folder {folder_id} can hold at most {self.max_set_size} items (networks, folders and "
                f"shortcuts); it has {held} and {adding} more were requested."
            )

    def create_folder(self, user_id: str, name: str | None, description: str | None, parent: str | None = None) -> str:
        """``POST /v2/networkset`` / ``POST /v3/files/folders/``: a new PRIVATE folder."""
        if not name:
            raise ApiError.server("Network set name is required.")
        with self._lock:
            if parent is not None:
                if self._folder(parent)["owner_id"] != user_id:
                    raise ApiError.unauthorized("User doesn't have write access to the parent folder.")
                self._check_folder_room(parent, 1)
            folder_id = _new_ndex_uuid()
            stamp = now_ms()
            self._db.execute(
                "INSERT INTO folders VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                (folder_id, user_id, name, description, parent, stamp, stamp),
            )
        return folder_id

    def add_set_members(self, folder_id: str, user_id: str, network_ids: list[str]) -> None:
        """``POST /v2/networkset/<id>/members``: one shortcut per network, all or none."""
        with self._lock:
            folder = self._one("SELECT * FROM folders WHERE uuid = ? AND deleted = 0", (folder_id,))
            if folder is None or folder["owner_id"] != user_id:
                raise ApiError.not_found(f"Network set or folder {folder_id} not found.")
            self._check_folder_room(folder_id, len(network_ids))
            stamp = now_ms()
            with self._transaction():
                self._db.executemany(
                    "INSERT INTO shortcuts VALUES (?, ?, ?, ?, ?)",
                    [(_new_ndex_uuid(), user_id, folder_id, n, stamp) for n in network_ids],
                )
                self._db.execute("UPDATE folders SET modification_time = ? WHERE uuid = ?", (stamp, folder_id))

    def network_set(self, folder_id: str, user_id: str | None) -> dict[str, Any]:
        """``GET /v2/networkset/<id>`` of a folder-backed set, converted as ndex-rest does it:
        name, times and the *caller* as ``ownerId``; ``networks`` stays empty (see files list)."""
        with self._lock:
            row = self._folder(folder_id)
            if row["owner_id"] != user_id:
                raise ApiError.not_found(f"Network set or folder {folder_id} not found.")
        return {
            "externalId": row["uuid"],
            "name": row["name"],
            "description": None,
            "ownerId": user_id,
            "networks": [],
            "showcased": False,
            "properties": {},
            "isDeleted": False,
            "creationTime": row["creation_time"],
            "modificationTime": row["modification_time"],
        }

    def folder_items(self, folder_id: str, user_id: str | None) -> list[dict[str, Any]]:
        """``GET /v3/files/folders/<id>/list``: the folder's networks, shortcuts and sub-folders."""
        with self._lock:
            if self._folder(folder_id)["owner_id"] != user_id:
                raise ApiError.unauthorized("User doesn't have read access to this folder.")
            items: list[dict[str, Any]] = []
            for row in self._db.execute(
                "SELECT uuid, name, modification_time FROM folders WHERE parent = ? AND deleted = 0", (folder_id,)
            ):
                items.append(
                    {
                        "uuid": row["uuid"],
                        "type": "FOLDER",
                        "name": row["name"],
                        "modificationTime": row["modification_time"],
                    }
                )
            for row in self._db.execute(
                "SELECT uuid, name, modification_time, visibility FROM networks WHERE folder_id = ? AND deleted = 0",
                (folder_id,),
            ):
                items.append(
                    {
                        "uuid": row["uuid"],
                        "type": "NETWORK",
                        "name": row["name"],
                        "modificationTime": row["modification_time"],
                        "attributes": {"visibility": row["visibility"]},
                    }
                )
            for row in self._db.execute(
                "SELECT uuid, target, creation_time FROM shortcuts WHERE folder_id = ? ORDER BY rowid", (folder_id,)
            ):
                items.append(
                    {
                        "uuid": row["uuid"],
                        "type": "SHORTCUT",
                        "name": row["target"],
                        "modificationTime": row["creation_time"],
                        "attributes": {"target": row["target"], "target_type": "NETWORK"},
                    }
                )
        return items

    def folder_info(self, folder_id: str, user_id: str | None) -> dict[str, Any]:
        """``GET /v3/files/folders/<id>``."""
        with self._lock:
            row = self._folder(folder_id)
            if row["owner_id"] != user_id:
                raise ApiError.unauthorized("User doesn't have read access to this folder.")
        return {
            "externalId": row["uuid"],
            "name": row["name"],
            "description": row["description"],
            "parent": row["parent"],
            "ownerId": row["owner_id"],
            "visibility": "PRIVATE",
            "creationTime": row["creation_time"],
            "modificationTime": row["modification_time"],
        }

    # --- direct inspection (tests, benchmarks) --------------------------------------------

    def summary_any(self, network_id: str) -> dict[str, Any]:
        with self._lock:
            row = self._one("SELECT * FROM networks WHERE uuid = ?", (network_id,))
            if row is None:
                raise KeyError(network_id)
            summary = self._summary(row, v3=True)
            summary["isDeleted"] = bool(row["deleted"])
            return summary

    def summaries_of(self, owner_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM networks WHERE owner_id = ? AND deleted = 0 ORDER BY modification_time DESC, rowid DESC",
                (owner_id,),
            ).fetchall()
            return [self._summary(row, v3=True) for row in rows]

    def cx2_any(self, network_id: str) -> bytes:
        with self._lock:
            row = self._one("SELECT cx2 FROM network_cx2 WHERE uuid = ?", (network_id,))
        if row is None:
            raise KeyError(network_id)
        return bytes(row["cx2"])

    def set_members(self, folder_id: str) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT target FROM shortcuts WHERE folder_id = ? ORDER BY rowid", (folder_id,)
            ).fetchall()
        return [r["target"] for r in rows]

    def force_flags(self, network_id: str, *, read_only: bool, visibility: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE networks SET read_only = ?, visibility = ? WHERE uuid = ?",
                (int(read_only), visibility, network_id),
            )
