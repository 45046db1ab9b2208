"""The two network summary shapes ndex-rest answers with, built from one stored network row.

- v2 ``NetworkSummary`` (ndex-object-model ``model/object/network/NetworkSummary.java``, filled by
  ndex-rest ``PostgresNetworkDAO.populateNetworkSummaryFromResultSet``): ``externalId``,
  ``properties`` a list of ``{predicateString, value (text), dataType, subNetworkId}``, ``isValid``,
  primitives always present.
- v3 ``NetworkSummaryV3`` (``NetworkSummaryV3.java``, ``PostgresNetworkDAO.populateNetworkMetadataFromResultSet``),
  Jackson NON_NULL: ``uuid``, ``properties`` a map sorted by name (a ``TreeMap``) of
  ``{"t": type, "v": typed value}`` that includes ``version``, no ``isValid``/``externalId``/``isDeleted``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from .errors import ApiError
from .loader import typed_value

__all__ = ["SUMMARY_FORMATS", "parse_summary_format", "summary_v2", "summary_v3"]

Row = sqlite3.Row | Mapping[str, Any]
SUMMARY_FORMATS = ("UPDATE", "COMPACT", "PROPERTIES", "FULL")  # NetworkSummaryFormat


def parse_summary_format(text: str) -> str:
    """``NetworkSummaryFormat.valueOf(format.toUpperCase())``; a bad one is the 400 ndex-rest answers.

    >>> parse_summary_format("compact")
    'COMPACT'
    """
    if text.upper() not in SUMMARY_FORMATS:
        raise ApiError.bad_request(
            f"Format {text} is unsupported. Error message: No enum constant "
            f"org.ndexbio.model.object.network.NetworkSummaryFormat.{text.upper()}"
        )
    return text.upper()


def _flags(row: Row) -> dict[str, Any]:
    """The columns both shapes report the same way."""
    return {
        "nodeCount": row["node_count"],
        "edgeCount": row["edge_count"],
        "visibility": row["visibility"],
        "ownerUUID": row["owner_id"],
        "isReadOnly": bool(row["read_only"]),
        "isShowcase": bool(row["showcase"]),
        "indexLevel": row["index_level"],
        "completed": bool(row["completed"]),
        "isCertified": bool(row["certified"]),
        "hasLayout": bool(row["has_layout"]),
        "hasSample": False,
        "cxFileSize": 0,
        "cx2FileSize": row["cx2_size"],
        "showInTrash": False,  # trashed networks are not served (is_deleted = true)
    }


def _optional(row: Row, summary: dict[str, Any]) -> None:
    """NON_NULL fields: present only when the column holds a value."""
    for key, column in (
        ("name", "name"),
        ("description", "description"),
        ("errorMessage", "error"),
        ("doi", "doi"),
        ("folderId", "folder_id"),
    ):
        if row[column] is not None:
            summary[key] = row[column]


def summary_v2(row: Row, owner: str) -> dict[str, Any]:
    """``GET /v2/network/<id>/summary``, ``POST /v2/batch/network/summary``, the user's list."""
    summary: dict[str, Any] = {
        "externalId": row["uuid"],
        "creationTime": row["creation_time"],
        "modificationTime": row["modification_time"],
        "isDeleted": False,
        "owner": owner,
        "properties": [{**p, "subNetworkId": None} for p in json.loads(row["properties"])],
        "isValid": bool(row["is_valid"]),
        "warnings": json.loads(row["warnings"]) if row["warnings"] is not None else [],
        "subnetworkIds": [],
        "cxFormat": "cx2",
        **_flags(row),
    }
    if row["version"] is not None:
        summary["version"] = row["version"]
    _optional(row, summary)
    return summary


def _v3_properties(row: Row) -> dict[str, Any]:
    """``NetworkProperties``: ``version`` from its column, then every stored property, typed."""
    table: dict[str, Any] = {}
    if row["version"] is not None:
        table["version"] = {"t": "string", "v": row["version"]}
    for prop in json.loads(row["properties"]):
        data_type = prop.get("dataType") or "string"
        table[prop["predicateString"]] = {"t": data_type, "v": typed_value(prop["value"], data_type)}
    return dict(sorted(table.items()))


def summary_v3(row: Row, owner: str, summary_format: str = "FULL") -> dict[str, Any]:
    """``GET /v3/networks/<id>/summary``, ``POST /v3/batch/networks/summary`` in ``summary_format``."""
    summary: dict[str, Any] = {"uuid": row["uuid"], "modificationTime": row["modification_time"]}
    if summary_format == "UPDATE":
        return summary
    for key in ("name", "description"):
        if row[key] is not None:
            summary[key] = row[key]
    if summary_format != "COMPACT":
        summary["properties"] = _v3_properties(row)
    if summary_format == "PROPERTIES":
        return summary
    summary.update(creationTime=row["creation_time"], owner=owner, **_flags(row))
    if row["warnings"] is not None:  # written by a successful load, with the subnetwork ids
        summary["warnings"] = json.loads(row["warnings"])
        summary["subnetworkIds"] = []
    _optional(row, summary)
    return summary
