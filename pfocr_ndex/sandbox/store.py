"""SQLite state of the NDEx sandbox and the server-side rules of the endpoints it serves.

Each public method is one NDEx operation as ndex-rest performs it (``NetworkServiceV2``,
``v3/NetworkServiceV3``, ``NetworkSetServiceV2``, ``UserServiceV2``, ``v3/BatchService``,
``v3/files/FolderServiceV3``, ``CX2NetworkLoadingTask``): the same checks in the same order,
failures raised as :class:`ApiError` carrying the status, ``errorCode`` and message the real
server answers with. Where ndex-rest checks nothing (who may set ``index_level``, whose folder a
network is created in) the sandbox is stricter; docs/sandbox.md lists those rows as "ours".
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
from .errors import VISIBILITIES, ApiError, not_found_in_ndex, parse_uuid, parse_visibility, sql_uuid
from .loader import LoadFailure, load_cx2, replace_network_attributes
from .seed import SeedNetwork
from .summary import summary_v2, summary_v3
from .tasks import TaskKind

__all__ = ["DB_FILENAME", "DEFAULT_DISK_QUOTA", "SandboxStore"]

DB_FILENAME = "ndex-sandbox.sqlite"
INDEX_LEVELS = ("NONE", "META", "ALL")
FILE_TYPES = ("NETWORK", "FOLDER", "SHORTCUT")
DEFAULT_DISK_QUOTA = 10 * 1000_000_000  # UserDAO.default_disk_quota
BATCH_SUMMARY_LIMIT = 2000  # BatchServiceV2 / v3 BatchService
ERROR_MESSAGE_LIMIT = 2000  # PostgresNetworkDAO.setErrorMessage trims longer messages

SCHEMA_VERSION = 2
_NETWORKS_TABLE = """
CREATE TABLE IF NOT EXISTS networks (
    uuid TEXT PRIMARY KEY, owner_id TEXT NOT NULL, cx2_size INTEGER NOT NULL,
    name TEXT, description TEXT, version TEXT, properties TEXT NOT NULL DEFAULT '[]',
    node_count INTEGER NOT NULL DEFAULT 0, edge_count INTEGER NOT NULL DEFAULT 0,
    has_layout INTEGER NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL DEFAULT 'PRIVATE', requested_visibility TEXT,
    index_level TEXT NOT NULL DEFAULT 'NONE', read_only INTEGER NOT NULL DEFAULT 0,
    showcase INTEGER NOT NULL DEFAULT 0,
    is_valid INTEGER NOT NULL DEFAULT 0, completed INTEGER NOT NULL DEFAULT 0, error TEXT,
    warnings TEXT, locked INTEGER NOT NULL DEFAULT 0, is_update INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0, folder_id TEXT, doi TEXT, certified INTEGER NOT NULL DEFAULT 0,
    creation_time INTEGER NOT NULL, modification_time INTEGER NOT NULL);
"""
_SCHEMA = (
    _NETWORKS_TABLE
    + """
CREATE INDEX IF NOT EXISTS networks_by_owner ON networks (owner_id, deleted, modification_time);
CREATE INDEX IF NOT EXISTS networks_by_folder ON networks (folder_id);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, external_id TEXT UNIQUE NOT NULL,
    salt BLOB, password_hash BLOB, creation_time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS network_cx2 (uuid TEXT PRIMARY KEY, cx2 BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS folders (
    uuid TEXT PRIMARY KEY, owner_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
    parent TEXT, deleted INTEGER NOT NULL DEFAULT 0,
    creation_time INTEGER NOT NULL, modification_time INTEGER NOT NULL,
    visibility TEXT NOT NULL DEFAULT 'PRIVATE');
CREATE INDEX IF NOT EXISTS folders_by_parent ON folders (parent);
CREATE TABLE IF NOT EXISTS shortcuts (
    uuid TEXT PRIMARY KEY, owner_id TEXT NOT NULL, folder_id TEXT NOT NULL, target TEXT NOT NULL,
    creation_time INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS shortcuts_by_folder ON shortcuts (folder_id);
"""
)
# version 1 → 2: warnings nullable (NULL until a load saved the summary), DOI/certified, folder visibility
_V1_NETWORK_COLUMNS = (
    "uuid, owner_id, cx2_size, name, description, version, properties, node_count, edge_count, has_layout,"
    " visibility, requested_visibility, index_level, read_only, showcase, is_valid, completed, error, warnings,"
    " locked, deleted, folder_id, creation_time, modification_time"
)
_MIGRATE_V1 = f"""
ALTER TABLE networks RENAME TO networks_v1;
DROP INDEX IF EXISTS networks_by_owner;
DROP INDEX IF EXISTS networks_by_folder;
{_NETWORKS_TABLE}
INSERT INTO networks ({_V1_NETWORK_COLUMNS}) SELECT {_V1_NETWORK_COLUMNS} FROM networks_v1;
DROP TABLE networks_v1;
ALTER TABLE folders ADD COLUMN visibility TEXT NOT NULL DEFAULT 'PRIVATE';
"""


def now_ms() -> int:
    return int(time.time() * 1000)


def _new_ndex_uuid() -> str:
    # NDEx mints time-based (version 1) UUIDs, e.g. 85034b42-de8a-11ea-99da-0ac135e8bacf
    return str(uuidlib.uuid1())


def _password_hash(salt: bytes, password: str) -> bytes:
    return hashlib.sha256(salt + password.encode("utf-8")).digest()


class SandboxStore:
    """Thread-safe SQLite store holding users, networks, folders (network sets) and shortcuts."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_set_size: int | None = None,
        disk_quota: int = DEFAULT_DISK_QUOTA,
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
        if has_tables and version == 1:
            self._db.executescript("BEGIN;" + _MIGRATE_V1 + "COMMIT;")
        elif has_tables and version != SCHEMA_VERSION:
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
        return bytes(self._db.execute("SELECT cx2 FROM network_cx2 WHERE uuid = ?", (network_id,)).fetchone()["cx2"])

    def _network(self, network_id: str) -> sqlite3.Row:
        """The live network, or ``getBooleanFlag``'s 404 "Network <id> not found in NDEx."."""
        row = self._one("SELECT * FROM networks WHERE uuid = ? AND deleted = 0", (network_id,))
        if row is None:
            raise not_found_in_ndex("Network", network_id)
        return row

    @staticmethod
    def _readable(row: sqlite3.Row, user_id: str | None) -> bool:
        """``createIsReadableConditionStr``: PUBLIC, UNLISTED or the owner's (no sharing here)."""
        return row["visibility"] in ("PUBLIC", "UNLISTED") or row["owner_id"] == user_id

    def _owner_name(self, owner_id: str) -> str:
        row = self._one("SELECT name FROM users WHERE external_id = ?", (owner_id,))
        return row["name"] if row else ""

    def _v2(self, row: sqlite3.Row) -> dict[str, Any]:
        return summary_v2(row, self._owner_name(row["owner_id"]))

    def _v3(self, row: sqlite3.Row, summary_format: str = "FULL") -> dict[str, Any]:
        return summary_v3(row, self._owner_name(row["owner_id"]), summary_format)

    def _disk_used(self, user_id: str) -> int:
        used = self._disk_used_by.get(user_id)
        if used is None:
            row = self._db.execute("SELECT COALESCE(SUM(cx2_size), 0) FROM networks WHERE owner_id = ?", (user_id,))
            used = self._disk_used_by[user_id] = int(row.fetchone()[0])
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
        """Create (or reset the password of) account ``name`` (stored lower-cased, as
        ``UserServiceV2.createUser`` does); returns its ``externalId``."""
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
        """``BasicAuthenticationFilter.handleFilter``: the name is lower-cased, the error keeps it as typed."""
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

    def user(self, name: str | None, caller_id: str | None) -> dict[str, Any]:
        """``GET /v2/user?username=`` (``getUserByAccountNameOrAuthenticatUser``): looked up
        lower-cased; quota, usage and e-mail only in one's own record."""
        if not name:
            raise ApiError.uncaught(
                "java.lang.IllegalArgumentException", "parameter username or email is required in the URL."
            )
        with self._lock:
            row = self._one("SELECT * FROM users WHERE name = ?", (name.lower(),))
            if row is None:
                raise ApiError.not_found(f"User {name.lower()} doesn't exist.")
            used = self._disk_used(row["external_id"])
        user: dict[str, Any] = {
            "isIndividual": True,
            "userName": row["name"],
            "isVerified": True,
            "firstName": row["name"],
            "lastName": "",
            "externalId": row["external_id"],
            "isDeleted": False,
            "modificationTime": row["creation_time"],
            "creationTime": row["creation_time"],
        }
        if caller_id == row["external_id"]:
            user.update(
                properties={},
                emailAddress=f"{row['name']}@sandbox.invalid",
                diskQuota=self.disk_quota,
                diskUsed=used,
            )
        return user

    # --- networks -------------------------------------------------------------------------

    def _check_target_folder(self, folder_id: str, user_id: str) -> None:
        """Ours: ndex-rest's ``processRawCX2Network`` puts the network in any ``folderId`` unchecked."""
        folder = self._one("SELECT * FROM folders WHERE uuid = ? AND deleted = 0", (folder_id,))
        if folder is None:
            raise not_found_in_ndex("Folder", folder_id)
        if folder["owner_id"] != user_id:
            raise ApiError.unauthorized("User doesn't have write access to the parent folder.")
        self._check_folder_room(folder_id, 1)

    def create_network(
        self,
        user_id: str,
        cx2: bytes,
        *,
        visibility: str | None = None,
        folder_id: str | None = None,
        network_id: str | None = None,
        creation_time: int | None = None,
    ) -> dict[str, Any]:
        """``processRawCX2Network`` after the quota check: stored locked, PRIVATE and unvalidated."""
        with self._lock:
            if folder_id is not None:
                self._check_target_folder(folder_id, user_id)
            network_id = network_id or _new_ndex_uuid()
            stamp = now_ms() if creation_time is None else creation_time
            with self._transaction():
                self._db.execute(
                    "INSERT INTO networks (uuid, owner_id, cx2_size, requested_visibility, locked, folder_id,"
                    " creation_time, modification_time) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
                    (network_id, user_id, len(cx2), visibility, folder_id, stamp, stamp),
                )
                self._db.execute("INSERT OR REPLACE INTO network_cx2 VALUES (?, ?)", (network_id, cx2))
            self._add_disk_used(user_id, len(cx2))
        return {"uuid": network_id, "modificationTime": stamp}

    def check_disk_space(self, user_id: str) -> None:
        with self._lock:
            self._check_disk_space(user_id)

    def lock_for_update(self, user_id: str, network_id: str) -> None:
        """``NdexService.lockNetworkForUpdate``: quota (403), read-only (404 if missing, 403 for
        anyone), write permission (401), lock (500 concurrent modification)."""
        with self._lock:
            self._check_disk_space(user_id)
            row = self._network(network_id)
            if row["read_only"]:
                raise ApiError.forbidden("Error: Unable to update a read-only network.")
            if row["owner_id"] != user_id:
                raise ApiError.unauthorized("You do not have write permissions for this network.")
            if row["locked"]:
                raise ApiError.locked()
            self._db.execute("UPDATE networks SET locked = 1 WHERE uuid = ?", (network_id,))

    def unlock(self, network_id: str) -> None:
        with self._lock:
            self._db.execute("UPDATE networks SET locked = 0 WHERE uuid = ?", (network_id,))

    def update_network(self, network_id: str, cx2: bytes, visibility: str | None = None) -> dict[str, Any]:
        """``updateCx2NetworkFromSavedFile`` + ``clearNetworkSummary`` on a network locked by
        :meth:`lock_for_update`: the new CX2 stored, the summary emptied until the load runs."""
        with self._lock:
            row = self._network(network_id)
            stamp = now_ms()
            with self._transaction():
                self._db.execute(
                    "UPDATE networks SET cx2_size = ?, name = NULL, description = NULL, version = NULL,"
                    " properties = '[]', node_count = 0, edge_count = 0, is_valid = 0, completed = 0,"
                    " error = NULL, warnings = NULL, is_update = 1, requested_visibility = ?,"
                    " modification_time = ? WHERE uuid = ?",
                    (len(cx2), visibility, stamp, network_id),
                )
                self._db.execute("UPDATE network_cx2 SET cx2 = ? WHERE uuid = ?", (cx2, network_id))
            self._add_disk_used(row["owner_id"], len(cx2) - row["cx2_size"])
        return {"uuid": network_id, "modificationTime": stamp}

    def pending_tasks(self) -> list[tuple[TaskKind, str]]:
        """Tasks that had not run when the sandbox stopped: loads, then index builds of updates."""
        with self._lock:
            loads = self._db.execute(
                "SELECT uuid FROM networks WHERE locked = 1 AND is_valid = 0 AND deleted = 0 ORDER BY modification_time"
            ).fetchall()
            indexes = self._db.execute(
                "SELECT uuid FROM networks WHERE locked = 0 AND is_valid = 1 AND completed = 0 AND error IS NULL"
                " AND deleted = 0 ORDER BY modification_time"
            ).fetchall()
        return [("load", r["uuid"]) for r in loads] + [("index", r["uuid"]) for r in indexes]

    def run_loading_task(self, network_id: str) -> bool:
        """``CX2NetworkLoadingTask.run``; true when it succeeded (its index task is then queued).

        Success: the summary saved, ``completed`` set for a new network only (an update's waits
        for its index task), the requested visibility applied, unlocked. Failure: ``isValid`` and
        ``completed`` true, ``errorMessage`` set, read-only cleared, visibility forced PRIVATE.
        """
        with self._lock:
            row = self._one(
                "SELECT cx2, is_update FROM network_cx2 JOIN networks USING (uuid)"
                " WHERE uuid = ? AND locked = 1 AND deleted = 0",
                (network_id,),
            )
        if row is None:
            return False
        try:
            loaded = load_cx2(row["cx2"])
        except LoadFailure as failure:
            message = str(failure) or "Unknow server error."
            if len(message) > ERROR_MESSAGE_LIMIT:
                message = message[: ERROR_MESSAGE_LIMIT - 4] + "..."
            with self._lock:
                self._db.execute(
                    "UPDATE networks SET is_valid = 1, completed = 1, read_only = 0, visibility = 'PRIVATE',"
                    " error = ?, locked = 0, requested_visibility = NULL WHERE uuid = ?",
                    (message, network_id),
                )
            return False
        with self._lock:
            self._db.execute(
                "UPDATE networks SET name = ?, description = ?, version = ?, properties = ?,"
                " node_count = ?, edge_count = ?, has_layout = ?, warnings = ?, is_valid = 1, completed = ?,"
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
                    int(not row["is_update"]),
                    network_id,
                ),
            )
        return True

    def run_index_task(self, network_id: str) -> None:
        """``SolrTaskRebuildNetworkIdx.run``'s last step: ``iscomplete`` set true."""
        with self._lock:
            self._db.execute("UPDATE networks SET completed = 1 WHERE uuid = ? AND deleted = 0", (network_id,))

    def network_summary(
        self, network_id: str, user_id: str | None, *, v3: bool = False, summary_format: str = "FULL"
    ) -> dict[str, Any]:
        """``GET /v2/network/<id>/summary`` / ``GET /v3/networks/<id>/summary``: 404, then 401."""
        with self._lock:
            row = self._network(network_id)
            if not self._readable(row, user_id):
                raise ApiError.unauthorized(f"Unauthorized access to network {network_id}")
            return self._v3(row, summary_format) if v3 else self._v2(row)

    def network_summaries(
        self, network_ids: list[Any], user_id: str | None, *, v3: bool = False, summary_format: str = "FULL"
    ) -> list[dict[str, Any]]:
        """Batch summaries (``getNetworkV3SummariesByIdStrList`` / ``getNetworkSummariesByIdStrList``).

        ``… where "UUID" in (…) and is_deleted = false and <readable>`` has no ORDER BY: the
        sandbox answers in UUID order (PostgreSQL's primary-key index order), once per network,
        so a client cannot lean on the request order. Unknown, deleted and unreadable ids are left
        out; one malformed id fails the whole batch.
        """
        if len(network_ids) > BATCH_SUMMARY_LIMIT:
            raise ApiError.server(f"You can only send up to {BATCH_SUMMARY_LIMIT} network ids in this function.")
        wanted = {sql_uuid(str(value)) for value in network_ids}  # the ids go into the SQL text as given
        with self._lock:
            rows = [
                self._one("SELECT * FROM networks WHERE uuid = ? AND deleted = 0", (network_id,))
                for network_id in sorted(wanted)
            ]
            return [
                self._v3(row, summary_format) if v3 else self._v2(row)
                for row in rows
                if row is not None and self._readable(row, user_id)
            ]

    def network_cx2(self, network_id: str, user_id: str | None) -> bytes:
        """``GET /v3/networks/<id>``: the stored CX2 bytes."""
        with self._lock:
            row = self._network(network_id)
            if not self._readable(row, user_id):
                raise ApiError.unauthorized("User doesn't have read access to this network.")
            return self._cx2(network_id)

    def delete_network(self, network_id: str, user_id: str, *, permanent: bool, v2: bool = False) -> None:
        """``DELETE /v3/networks/<id>`` (``NetworkServiceV3.deleteNetwork``): soft delete unless ``permanent``.

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
                self._db.execute(
                    "UPDATE networks SET deleted = 1, modification_time = ? WHERE uuid = ?", (now_ms(), network_id)
                )

    def set_system_properties(self, network_id: str, user_id: str, parameters: dict[str, Any]) -> bool:
        """``PUT /v2/network/<id>/systemproperty`` (``NetworkServiceV2.setNetworkFlag``).

        Order: DOI (403 unless the body is a lone ``showcase``), validated (500), ``readOnly`` and
        ``visibility`` by the owner (401), ``index_level`` (ours: owner only; ndex-rest lets anyone),
        ``showcase`` (401 for a non-owner without explicit permission). Unknown keys are ignored.
        Returns true when an index task must be queued (``index_level`` other than NONE, which
        also turns ``completed`` false until it ran).
        """
        with self._lock:
            row = self._network(network_id)
            if row["doi"] is not None and (len(parameters) > 1 or "showcase" not in parameters):
                raise ApiError.forbidden("Network with DOI can't be modified.")
            if not row["is_valid"]:
                raise ApiError.invalid_network()
            is_owner = row["owner_id"] == user_id
            changes: dict[str, Any] = {}
            if "readOnly" in parameters:
                if not is_owner:
                    raise ApiError.unauthorized("Only network owner can set readOnly Parameter.")
                if not isinstance(parameters["readOnly"], bool):
                    raise ApiError.uncaught("java.lang.ClassCastException", "readOnly is not a java.lang.Boolean")
                changes["read_only"] = int(parameters["readOnly"])
            if "visibility" in parameters:
                if not is_owner:
                    raise ApiError.unauthorized("Only network owner can set visibility Parameter.")
                changes["visibility"] = parse_visibility(str(parameters["visibility"]))
                if row["locked"]:
                    raise ApiError.server(f"Failed to update visibility. Network {network_id} might have been locked.")
            reindex = False
            if "index_level" in parameters:
                if not is_owner:
                    raise ApiError.unauthorized("Only network owner can set index_level Parameter.")
                level = parameters["index_level"] or "NONE"
                if level not in INDEX_LEVELS:
                    raise ApiError.uncaught(
                        "java.lang.IllegalArgumentException",
                        f"No enum constant org.ndexbio.model.object.network.NetworkIndexLevel.{level}",
                    )
                changes["index_level"] = level
                if level != "NONE":
                    changes["completed"] = 0
                    reindex = True
            if "showcase" in parameters:
                if not is_owner:
                    raise ApiError.unauthorized("User doesn't have explicit permission on this network.")
                if not isinstance(parameters["showcase"], bool):
                    raise ApiError.uncaught("java.lang.ClassCastException", "showcase is not a java.lang.Boolean")
                changes["showcase"] = int(parameters["showcase"])
            if changes:
                assignments = ", ".join(f"{column} = ?" for column in changes)
                self._db.execute(f"UPDATE networks SET {assignments} WHERE uuid = ?", (*changes.values(), network_id))
            return reindex

    def set_properties(self, network_id: str, user_id: str, properties: list[dict[str, Any]]) -> int:
        """``PUT /v2/network/<id>/properties``: replace network attributes (not name/description/version).

        Like ndex-rest, every failure after the reserved-name check is wrapped into a 500 ``NDEx_Exception``.
        """
        for prop in properties:
            if prop.get("predicateString") in ("name", "description", "version"):
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
                    "value": p.get("value")
                    if isinstance(p.get("value"), str)
                    else json.dumps(p.get("value"), separators=(",", ":")),
                    "dataType": p.get("dataType") or "string",
                }
                for p in properties
            ]
            try:
                cx2 = orjson.dumps(replace_network_attributes(orjson.loads(self._cx2(network_id)), dict(row), cleaned))
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
        """``GET /v2/user/<id>/networksummary`` (``getNetworkSummariesForMyAccountPage``): the
        caller's own networks, ``order by modification_time desc``; paged only when
        ``offset >= 0 and limit > 0`` (the default limit 0 returns all)."""
        if owner_id != caller_id:
            raise ApiError.unauthorized("Userid has to be the same as the autheticated user's")
        sql = "SELECT * FROM networks WHERE owner_id = ? AND deleted = 0 ORDER BY modification_time DESC, rowid DESC"
        args: tuple[Any, ...] = (owner_id,)
        if offset >= 0 and limit > 0:
            sql += " LIMIT ? OFFSET ?"
            args += (limit, offset)
        with self._lock:
            return [self._v2(row) for row in self._db.execute(sql, args).fetchall()]

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
            page = [self._v2(r) for r in hits[start * size : (start + 1) * size]]
        return {"numFound": len(hits), "start": start, "networks": page}

    # --- seeding --------------------------------------------------------------------------

    def seed(self, network: SeedNetwork) -> str | None:
        """Store ``network`` as already loaded; ``None`` when its UUID is already taken."""
        network_id = parse_uuid(network.uuid) if network.uuid else None
        with self._lock:
            if network_id and self._one("SELECT 1 FROM networks WHERE uuid = ?", (network_id,)):
                return None
            owner_id = self.user_id(network.owner) or self.add_user(network.owner, None)
            status = self.create_network(
                owner_id,
                orjson.dumps(network.cx2),
                visibility=network.visibility,
                network_id=network_id,
                creation_time=network.creation_time,
            )
            network_id = status["uuid"]
            self.run_loading_task(network_id)
            self._db.execute(
                "UPDATE networks SET completed = 1, read_only = ?, doi = ?, certified = ?, index_level = ?,"
                " modification_time = COALESCE(?, modification_time) WHERE uuid = ?",
                (
                    int(network.read_only),
                    network.doi,
                    int(network.certified),
                    "ALL" if network.certified else "NONE",
                    network.modification_time,
                    network_id,
                ),
            )
        return network_id

    # --- network sets (folders) -----------------------------------------------------------

    def _folder(self, folder_id: str) -> sqlite3.Row:
        row = self._one("SELECT * FROM folders WHERE uuid = ? AND deleted = 0", (folder_id,))
        if row is None:
            raise not_found_in_ndex("Folder", folder_id)
        return row

    @staticmethod
    def _folder_readable(row: sqlite3.Row, user_id: str | None) -> bool:
        """``PostgresFolderDAO.createIsReadableConditionStr`` (no folder permissions here)."""
        return row["visibility"] in ("PUBLIC", "UNLISTED") or row["owner_id"] == user_id

    def _folder_item_count(self, folder_id: str) -> int:
        count = 0
        for table, column in (("networks", "folder_id"), ("folders", "parent"), ("shortcuts", "folder_id")):
            deleted = " AND deleted = 0" if table != "shortcuts" else ""
            count += self._db.execute(
                f"SELECT COUNT(*) FROM {table} WHERE {column} = ?{deleted}", (folder_id,)
            ).fetchone()[0]
        return count

    def _check_folder_room(self, folder_id: str, adding: int) -> None:
        """Ours, and only with ``max_set_size``: ndex-rest documents 100,000 items per folder
        (``FOLDER_SHORTCUT_SPECIFICATION.md``) but its code does not enforce it."""
        if self.max_set_size is None:
            return
        held = self._folder_item_count(folder_id)
        if held + adding > self.max_set_size:
            raise ApiError.bad_request(
                f"Folder {folder_id} can hold at most {self.max_set_size} items (networks, folders and "
                f"shortcuts); it has {held} and {adding} more were requested."
            )

    def create_folder(self, user_id: str, name: str | None, description: str | None, parent: str | None = None) -> str:
        """``POST /v2/networkset`` / ``POST /v3/files/folders/``: a new PRIVATE folder."""
        with self._lock:
            if parent is not None:
                if self._folder(parent)["owner_id"] != user_id:
                    raise ApiError.unauthorized("User doesn't have write access to the parent folder.")
                self._check_folder_room(parent, 1)
            folder_id = _new_ndex_uuid()
            stamp = now_ms()
            self._db.execute(
                "INSERT INTO folders (uuid, owner_id, name, description, parent, creation_time, modification_time)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (folder_id, user_id, name, description, parent, stamp, stamp),
            )
        return folder_id

    def _own_folder_or_404(self, folder_id: str, user_id: str | None) -> sqlite3.Row:
        """``NetworkSetServiceV2``: a set the caller does not own is "not found"."""
        folder = self._one("SELECT * FROM folders WHERE uuid = ? AND deleted = 0", (folder_id,))
        if folder is None or folder["owner_id"] != user_id:
            raise ApiError.not_found(f"Network set or folder {folder_id} not found.")
        return folder

    def add_set_members(self, folder_id: str, user_id: str, network_ids: list[str]) -> None:
        """``POST /v2/networkset/<id>/members`` (``addNetworksToSet``): a new shortcut per id on
        every call (a repeated add duplicates), no check that the networks exist."""
        with self._lock:
            self._own_folder_or_404(folder_id, user_id)
            self._check_folder_room(folder_id, len(network_ids))
            stamp = now_ms()
            with self._transaction():
                self._db.executemany(
                    "INSERT INTO shortcuts VALUES (?, ?, ?, ?, ?)",
                    [(_new_ndex_uuid(), user_id, folder_id, n, stamp) for n in network_ids],
                )

    def network_set(self, folder_id: str, user_id: str | None) -> dict[str, Any]:
        """``GET /v2/networkset/<id>`` of a folder-backed set, converted as ndex-rest does it:
        name, times and the *caller* as ``ownerId``; ``networks`` stays empty (see files list)."""
        with self._lock:
            row = self._one("SELECT * FROM folders WHERE uuid = ? AND deleted = 0", (folder_id,))
            if row is None or not self._folder_readable(row, user_id):
                raise ApiError.not_found(f"Network set or folder {folder_id} not found.")
        network_set: dict[str, Any] = {
            "externalId": row["uuid"],
            "name": row["name"],
            "networks": [],
            "showcased": False,
            "properties": {},
            "isDeleted": False,
            "creationTime": row["creation_time"],
            "modificationTime": row["modification_time"],
        }
        if user_id is not None:
            network_set["ownerId"] = user_id
        return network_set

    def network_set_system_properties(self, folder_id: str, user_id: str) -> None:
        """``PUT /v2/networkset/<id>/systemproperty`` on a folder: nothing changes (204) for its
        owner — the folder stays PRIVATE; 401 for anyone else."""
        with self._lock:
            folder = self._one("SELECT owner_id FROM folders WHERE uuid = ? AND deleted = 0", (folder_id,))
        if folder is None or folder["owner_id"] != user_id:
            raise ApiError.unauthorized("User is not the owner of this network set or folder.")

    def set_file_visibility(self, visibility: Any, files: Any, user_id: str) -> None:
        """``POST /v3/batch/files/setvisibility`` (``BatchService.setVisibility``): each item by
        its owner only (folder: 401; network, shortcut: 500), one after the other."""
        if visibility is None or files is None:
            raise ApiError.server("Missing required parameters: visibility and items.")
        if not isinstance(files, dict) or any(t not in FILE_TYPES for t in files.values()):
            raise ApiError.uncaught("com.fasterxml.jackson.databind.exc.InvalidFormatException", "bad 'files' map")
        if visibility not in VISIBILITIES:
            raise ApiError.uncaught(
                "com.fasterxml.jackson.databind.exc.InvalidFormatException",
                f"Cannot deserialize value of type VisibilityType from String {visibility!r}",
            )
        with self._lock:
            for raw_id, file_type in files.items():
                file_id = parse_uuid(raw_id)
                if file_type == "FOLDER":
                    folder = self._one("SELECT owner_id FROM folders WHERE uuid = ? AND deleted = 0", (file_id,))
                    if folder is None:
                        raise not_found_in_ndex("Folder", file_id)
                    if folder["owner_id"] != user_id:
                        raise ApiError.unauthorized(f"Not the owner of folder {file_id}")
                    self._db.execute("UPDATE folders SET visibility = ? WHERE uuid = ?", (visibility, file_id))
                elif file_type == "NETWORK":
                    if self._network(file_id)["owner_id"] != user_id:
                        raise ApiError.server(f"Not the owner of network {file_id}")
                    self._db.execute("UPDATE networks SET visibility = ? WHERE uuid = ?", (visibility, file_id))
                else:
                    raise ApiError.server(f"Not the owner of shortcut {file_id}")  # the sandbox has no own shortcuts

    def folder_items(
        self, folder_id: str, user_id: str | None, *, compact: bool = False, file_type: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /v3/files/folders/<id>/list`` (``listItemsInFolderOrHome``): folders, networks,
        shortcuts, unpaged. As in ndex-rest, ``attributes`` (a shortcut's ``target``) and
        ``visibility``/``edges`` come only with ``format=compact``."""
        with self._lock:
            folder = self._folder(folder_id)
            if not self._folder_readable(folder, user_id):
                raise ApiError.unauthorized("User doesn't have read access to this folder.")
            return self._items(folder_id, home=False, compact=compact, file_type=file_type)

    def home_items(self, user_id: str, *, compact: bool = False, file_type: str | None = None) -> list[dict[str, Any]]:
        """``GET /v3/files/folders/home/list`` (``PostgresFolderDAO.listRootItemsOfUser``): the user's folders and
        networks that have no parent folder (this sandbox keeps no root-level shortcuts)."""
        with self._lock:
            return self._items(user_id, home=True, compact=compact, file_type=file_type)

    def _items(self, anchor: str, *, home: bool, compact: bool, file_type: str | None) -> list[dict[str, Any]]:
        """``listItemsInFolderOrHome``: ``anchor`` is a folder id, or (``home``) a user id."""
        items: list[dict[str, Any]] = []
        if file_type in (None, "FOLDER"):
            where = "owner_id = ? AND parent IS NULL" if home else "parent = ?"
            for row in self._db.execute(
                f"SELECT * FROM folders WHERE {where} AND deleted = 0 ORDER BY rowid", (anchor,)
            ):
                item = {"uuid": row["uuid"], "type": "FOLDER", "name": row["name"]}
                owner = self._owner_name(row["owner_id"])
                item.update(modificationTime=row["modification_time"], owner=owner, owner_id=row["owner_id"])
                if compact:
                    item.update(attributes={"description": row["description"]}, visibility=row["visibility"])
                items.append({**item, "isShared": False})
        if file_type in (None, "NETWORK"):
            where = "owner_id = ? AND folder_id IS NULL" if home else "folder_id = ?"
            for row in self._db.execute(
                f"SELECT * FROM networks WHERE {where} AND deleted = 0 ORDER BY rowid", (anchor,)
            ):
                item = {"uuid": row["uuid"], "type": "NETWORK"}
                if row["name"] is not None:
                    item["name"] = row["name"]
                item.update(modificationTime=row["modification_time"], owner=self._owner_name(row["owner_id"]))
                item.update(owner_id=row["owner_id"], isReadOnly=bool(row["read_only"]))
                if row["error"] is not None:
                    item["errorMessage"] = row["error"]
                if row["warnings"] is not None:
                    item["warnings"] = json.loads(row["warnings"])
                item.update(isCompleted=bool(row["completed"]), isShared=False, isValid=bool(row["is_valid"]))
                if row["doi"] is not None:
                    item["doi"] = row["doi"]
                if compact:
                    item.update(
                        attributes={"description": row["description"]},
                        edges=row["edge_count"],
                        visibility=row["visibility"],
                    )
                items.append(item)
        for row in self._db.execute(
            "SELECT s.uuid, s.target, s.owner_id, s.creation_time, n.deleted AS target_deleted, n.edge_count"
            " FROM shortcuts s LEFT JOIN networks n ON n.uuid = s.target WHERE s.folder_id = ? ORDER BY s.rowid",
            (anchor,),
        ):
            if home or file_type not in (None, "NETWORK"):
                break
            item = {"uuid": row["uuid"], "type": "SHORTCUT", "name": row["target"]}
            item.update(modificationTime=row["creation_time"], visibility="PRIVATE")
            item.update(owner=self._owner_name(row["owner_id"]), owner_id=row["owner_id"])
            if compact:
                status = {None: "DELETED", 0: "ACTIVE", 1: "IN_TRASH"}[row["target_deleted"]]
                item["attributes"] = {"target_type": "NETWORK", "target": row["target"], "target_status": status}
                if row["edge_count"] is not None:
                    item["edges"] = row["edge_count"]
            items.append(item)
        return items

    def folder_info(self, folder_id: str, user_id: str | None) -> dict[str, Any]:
        """``GET /v3/files/folders/<id>`` (``NdexFolder``)."""
        with self._lock:
            row = self._folder(folder_id)
            if not self._folder_readable(row, user_id):
                raise ApiError.unauthorized("User doesn't have read access to this folder.")
            owner = self._owner_name(row["owner_id"])
        folder: dict[str, Any] = {"externalId": row["uuid"], "name": row["name"]}
        for key in ("parent", "description"):
            if row[key] is not None:
                folder[key] = row[key]
        folder.update(
            owner_id=row["owner_id"],
            owner=owner,
            isDeleted=False,
            creationTime=row["creation_time"],
            modificationTime=row["modification_time"],
        )
        return folder

    # --- direct inspection (tests, benchmarks) --------------------------------------------

    def summary_any(self, network_id: str, *, v3: bool = False) -> dict[str, Any]:
        """A summary of any network, deleted ones included (``isDeleted`` says which)."""
        with self._lock:
            row = self._one("SELECT * FROM networks WHERE uuid = ?", (network_id,))
            if row is None:
                raise KeyError(network_id)
            summary = self._v3(row) if v3 else self._v2(row)
            summary["isDeleted"] = bool(row["deleted"])
            return summary

    def summaries_of(self, owner_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM networks WHERE owner_id = ? AND deleted = 0 ORDER BY modification_time DESC, rowid DESC",
                (owner_id,),
            ).fetchall()
            return [self._v2(row) for row in rows]

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

    def folder_visibility(self, folder_id: str) -> str:
        with self._lock:
            return str(self._folder(folder_id)["visibility"])
