"""What an NDEx network summary says about a network, read from either of NDEx's two summary shapes.

ndex-rest answers two shapes (ndex-object-model ``NetworkSummary`` for v2 endpoints, filled by ndex-rest
``PostgresNetworkDAO.populateNetworkSummaryFromResultSet``; ``NetworkSummaryV3`` for v3 endpoints, filled by
``populateNetworkMetadataFromResultSet``):

- v2 (``GET /v2/network/{id}/summary``, ``GET /v2/user/{id}/networksummary``): the id under ``externalId``,
  ``properties`` a list of ``{"predicateString", "dataType", "value"}`` with string values;
- v3 (``POST /v3/batch/networks/summary``, ``GET /v3/networks/{id}/summary``): the id under ``uuid``,
  ``properties`` a map ``{name: {"t": type, "v": typed value}}``.

:func:`network_info` reads both into one :class:`NetworkInfo`.

>>> info = network_info({"uuid": "0626a9a9-df0c-11ea-99da-0ac135e8bacf", "owner": "WikiPathways",
...     "completed": True, "isReadOnly": True, "nodeCount": 3,
...     "properties": {"pfocrId": {"t": "string", "v": "PMC1__f1.jpg"}}})
>>> info.uuid, info.owner, info.figure_id, info.read_only
('0626a9a9-df0c-11ea-99da-0ac135e8bacf', 'wikipathways', 'PMC1__f1', True)
>>> network_info({"externalId": "0626A9A9-DF0C-11EA-99DA-0AC135E8BACF",
...     "properties": [{"predicateString": "figid", "dataType": "string", "value": "PMC1__f1"}]}).figure_id
'PMC1__f1'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["DIGEST_ATTRIBUTE", "NetworkInfo", "network_info"]

# The network attribute holding the content digest of the CX2 this tool sent (see ``publish.prepare``):
# summaries carry it, so the server itself says which networks are current. "__" keeps it out of NDEx's UI.
DIGEST_ATTRIBUTE = "__pfocrDigest"


@dataclass(frozen=True, slots=True)
class NetworkInfo:
    """One network as its summary describes it (owner lower-cased: NDEx matches user names lower-cased)."""

    uuid: str
    owner: str | None = None
    owner_uuid: str | None = None
    completed: bool = False
    error: str | None = None  # errorMessage: the load failed (final)
    node_count: int | None = None
    edge_count: int | None = None
    visibility: str | None = None
    index_level: str | None = None
    read_only: bool = False
    doi: str | None = None
    certified: bool = False
    figid: str | None = None  # the ``figid`` network attribute (networks made by this tool)
    pfocr_id: str | None = None  # ``pfocrId`` without ``.jpg`` (the 2020 networks carry only this)
    digest: str | None = None  # DIGEST_ATTRIBUTE
    creation_time: int | None = None  # epoch ms, server clock

    @property
    def figure_id(self) -> str | None:
        """The figure this network says it shows (``figid``, else the 2020 ``pfocrId``)."""
        return self.figid or self.pfocr_id

    def owned_by(self, account_name: str, account_uuid: str | None) -> bool:
        """Whether ``account`` owns the network (by owner UUID when both are known, else by name)."""
        if account_uuid and self.owner_uuid:
            return self.owner_uuid.lower() == account_uuid.lower()
        return self.owner is not None and self.owner == account_name.lower()


def _properties(raw: Any) -> dict[str, Any]:
    """name → value from a v2 property list or a v3 property map."""
    if isinstance(raw, dict):  # v3: {name: {"t": type, "v": value}}
        return {str(name): value.get("v") if isinstance(value, dict) else value for name, value in raw.items()}
    found: dict[str, Any] = {}
    if isinstance(raw, list):  # v2: [{"predicateString", "dataType", "value"}]
        for prop in raw:
            if isinstance(prop, dict) and isinstance(prop.get("predicateString"), str):
                found[prop["predicateString"]] = prop.get("value")
    return found


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def network_info(summary: dict[str, Any]) -> NetworkInfo | None:
    """A :class:`NetworkInfo` from a v2 or v3 summary; None when it names no network id."""
    uuid = _text(summary.get("uuid")) or _text(summary.get("externalId"))
    if uuid is None:
        return None
    props = _properties(summary.get("properties"))
    pfocr_id = _text(props.get("pfocrId"))
    owner = _text(summary.get("owner"))
    return NetworkInfo(
        uuid=uuid.lower(),
        owner=owner.lower() if owner else None,
        owner_uuid=_text(summary.get("ownerUUID")),
        completed=summary.get("completed") is True,
        error=_text(summary.get("errorMessage")),
        node_count=_count(summary.get("nodeCount")),
        edge_count=_count(summary.get("edgeCount")),
        visibility=_text(summary.get("visibility")),
        index_level=_text(summary.get("indexLevel")),
        read_only=summary.get("isReadOnly") is True,
        doi=_text(summary.get("doi")),
        certified=summary.get("isCertified") is True,
        figid=_text(props.get("figid")),
        pfocr_id=pfocr_id.removesuffix(".jpg") if pfocr_id else None,
        digest=_text(props.get(DIGEST_ATTRIBUTE)),
        creation_time=_count(summary.get("creationTime")),
    )
