"""The NDEx HTTP layer of publishing: the ``ndex2`` client made safe, error classification and retries.

- :class:`NdexClient` wraps ``ndex2.client.Ndex2``: every call (uploads included, which ndex2 sends with no
  timeout at all) goes through :class:`~pfocr_ndex.http.BoundedSession`, so it has a total deadline and a
  maximum response size; Basic auth is sent as UTF-8 (requests would encode it as Latin-1 and fail on
  other characters; ndex-rest ``BasicAuthenticationFilter`` decodes it with the platform charset, UTF-8).
- :func:`classify` turns an ``ndex2``/``requests`` exception into an :class:`HttpProblem`: status, NDEx
  ``errorCode``, whether it is worth retrying, whether the request reached the server.
- :meth:`NdexClient.call` retries transient failures with exponential backoff and full jitter; a create
  whose answer may hide a success is not retried but raised as ambiguous, to be looked up.
"""

from __future__ import annotations

import io
import json
import random
import re
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import requests
from ndex2.client import Ndex2
from ndex2.exceptions import NDExError
from requests.auth import HTTPBasicAuth
from requests_toolbelt import MultipartEncoder

from ..errors import PublishError
from ..http import BoundedSession, ResponseTooLarge
from .options import PublishOptions
from .summary import NetworkInfo, network_info

__all__ = ["CallFailed", "HttpProblem", "NdexClient", "PublishError", "classify"]

T = TypeVar("T")

_TRANSIENT_CODES = {"NDEx_Concurrent_Modification_Exception", "NDEx_Modify_Invalid_Network_Exception"}
# A create answered like this may or may not have been carried out by the server.
_AMBIGUOUS_STATUS = {502, 504}
LISTING_PAGE = 1000  # summaries per page of an account's network listing (ndex2's default)


@dataclass(frozen=True)
class HttpProblem:
    """What went wrong with one server call."""

    status: int | None  # None: no HTTP answer (connection dropped, timeout)
    code: str | None  # NDEx errorCode from the JSON body
    message: str  # one line, for reports
    transient: bool
    sent: bool  # False when the request certainly never reached the server

    @property
    def out_of_disk_space(self) -> bool:
        """NDEx's disk-quota 403 (ndex-rest ``NdexService.checkDiskSpace``): no upload can succeed."""
        return self.status == 403 and "disk space" in self.message.lower()


class CallFailed(Exception):
    """A server call failed for good (fatal answer, or retries used up)."""

    def __init__(self, problem: HttpProblem, ambiguous: bool = False) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.ambiguous = ambiguous  # a create that the server may have carried out


def classify(exc: BaseException) -> HttpProblem:
    """What an ndex2/requests exception means: status, errorCode, retry or not."""
    chain: BaseException | None = exc
    for _ in range(5):
        if chain is None:
            break
        if isinstance(chain, requests.HTTPError) and chain.response is not None:
            return _from_response(chain.response)
        if isinstance(chain, ResponseTooLarge):
            return HttpProblem(None, None, f"answer too large: {_short(chain)}", False, True)
        if isinstance(chain, (requests.ConnectionError, requests.Timeout)):
            sent = not (isinstance(chain, requests.ConnectTimeout) or "NewConnectionError" in repr(chain.args))
            kind = "timeout" if isinstance(chain, requests.Timeout) else "connection error"
            return HttpProblem(None, None, f"{kind}: {_short(chain)}", True, sent)
        chain = chain.__cause__ or chain.__context__
    message = _short(exc)
    status = re.match(r"Caught (\d{3}) from server", str(exc))
    if status:
        code = int(status.group(1))
        return HttpProblem(code, None, message, _transient(code, None), True)
    return HttpProblem(None, None, message, False, True)


def _transient(status: int, code: str | None) -> bool:
    """Worth retrying: 429 and 5xx, except ndex-rest's own 500s other than "locked"/"not yet validated"
    (a 500 without an NDEx errorCode came from something in front of the server)."""
    return status == 429 or 500 < status < 600 or (status == 500 and (code is None or code in _TRANSIENT_CODES))


def _from_response(response: requests.Response) -> HttpProblem:
    status = response.status_code
    code, message = None, ""
    try:
        body = response.json()
        if isinstance(body, dict):
            code = body.get("errorCode") if isinstance(body.get("errorCode"), str) else None
            message = str(body.get("message") or body.get("description") or "")
    except ValueError:
        pass
    if not message:
        message = " ".join(re.sub(r"<[^>]+>", " ", response.text or "").split())[:200] or response.reason or ""
    return HttpProblem(
        status, code, " ".join(f"HTTP {status}: {message}".split())[:300], _transient(status, code), True
    )


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


class _Ndex2(Ndex2):
    """ndex2's client on bounded sessions, with UTF-8 Basic auth and deadlines on the multipart uploads."""

    def __init__(self, server: str, username: str, password: str, options: PublishOptions, max_bytes: int) -> None:
        super().__init__(
            host=server,
            username=username,
            password=password,
            skip_version_check=True,
            timeout=options.timeout,
            user_agent="pfocr-ndex",
        )
        auth = HTTPBasicAuth(username.encode("utf-8"), password.encode("utf-8"))
        session = BoundedSession(deadline=options.timeout, max_bytes=max_bytes)
        session.auth = auth
        self.s = session
        self._http.session = session
        self._uploads = BoundedSession(deadline=options.upload_timeout, max_bytes=max_bytes)
        self._uploads.auth = auth

    def _multipart(
        self,
        method: str,
        route: str,
        fields: dict[str, Any],
        query_string: str | None,
        alt_version_endpoint: str | None,
        returnfullresponse: bool,
    ) -> Any:
        url = self.host + self._get_version_endpoint(alt_version_endpoint=alt_version_endpoint) + route
        if query_string:
            url += "?" + query_string
        data = MultipartEncoder(fields=fields)
        headers = {
            "Content-Type": data.content_type,
            "Accept": "application/json",
            Ndex2.USER_AGENT_KEY: self._get_user_agent(),
            "Connection": "close",
        }
        response = self._uploads.request(method, url, data=data, headers=headers)
        return self._return_response(response, returnfullresponse=returnfullresponse)

    def put_multipart(
        self,
        route: str,
        fields: dict[str, Any],
        alt_version_endpoint: str | None = None,
        returnjsonundertry: bool = True,
        returnfullresponse: bool = False,
    ) -> Any:
        return self._multipart("PUT", route, fields, None, alt_version_endpoint, returnfullresponse)

    def post_multipart(
        self,
        route: str,
        fields: dict[str, Any],
        query_string: str | None = None,
        alt_version_endpoint: str | None = None,
        returnjsonundertry: bool = True,
        returnfullresponse: bool = False,
    ) -> Any:
        return self._multipart("POST", route, fields, query_string, alt_version_endpoint, returnfullresponse)


class NdexClient:
    """The calls publishing makes, each with a deadline, retries on transient failures and checked answers.

    ``max_bytes`` caps every answer (a page of 1,000 summaries is a few MB).
    """

    def __init__(
        self, server: str, username: str, password: str, options: PublishOptions, max_bytes: int = 256 << 20
    ) -> None:
        self.server = server
        self.username = username
        self.options = options
        self._ndex = _Ndex2(server, username, password, options, max_bytes)
        self.user_uuid: str | None = None

    def __repr__(self) -> str:
        return f"NdexClient({self.server!r}, {self.username!r})"

    # -- plumbing --

    def call(self, fn: Callable[[], T], *, creates: bool = False) -> T:
        """Call the server with retries (exponential backoff, full jitter) on transient failures.

        ``creates=True``: an answer that may hide a completed create (dropped connection after sending,
        timeout, 502/504, a 500 without an NDEx body) is not retried but raised as ambiguous.
        """
        options = self.options
        for attempt in range(options.retries + 1):
            try:
                return fn()
            except (NDExError, requests.RequestException) as exc:
                problem = classify(exc)
            if not problem.transient:
                raise CallFailed(problem)
            if (
                creates
                and problem.sent
                and (
                    problem.status is None
                    or problem.status in _AMBIGUOUS_STATUS
                    or (problem.status == 500 and problem.code is None)
                )
            ):
                raise CallFailed(problem, ambiguous=True)
            if attempt == options.retries:
                raise CallFailed(problem)
            time.sleep(random.uniform(0, min(30.0, options.backoff * 2**attempt)))
        raise AssertionError("unreachable")

    def _json(self, value: Any, kind: type, what: str) -> Any:
        if not isinstance(value, kind):
            problem = HttpProblem(
                None,
                None,
                f"{what}: the server answered {type(value).__name__}, not a JSON {kind.__name__}",
                False,
                True,
            )
            raise CallFailed(problem)
        return value

    # -- account --

    def check_account(self) -> str:
        """Make sure the server answers and accepts the password; return the account's user UUID.

        Raises :class:`PublishError` (one line, nothing changed) when it does not.
        """
        try:
            user = self._json(self.call(lambda: self._ndex.get_user_by_username(self.username)), dict, "user")
            uuid = user.get("externalId")
            if not isinstance(uuid, str):
                raise CallFailed(HttpProblem(None, None, "the user record has no externalId", False, True))
            # a call only the account itself may make: proves the password
            self.call(lambda: self._ndex.get(f"/user/{uuid}/networksummary", get_params={"offset": 0, "limit": 1}))
        except CallFailed as failed:
            status, code = failed.problem.status, failed.problem.code
            if status == 404 or (status == 401 and code == "NDEx_Object_Not_Found_Exception"):
                raise PublishError(f"no NDEx user {self.username!r} at {self.server}; nothing was changed") from None
            if status == 401:
                raise PublishError(
                    f"NDEx at {self.server} rejected the password for user {self.username!r}; nothing was changed"
                ) from None
            raise PublishError(
                f"cannot use NDEx at {self.server}: {failed.problem.message}; nothing was changed"
            ) from None
        self.user_uuid = uuid
        return uuid

    def account_networks(self) -> Iterator[NetworkInfo]:
        """Every network in this account's listing (v2 summaries with properties), page by page.

        ndex-rest ``UserServiceV2.getNetworkSummariesForMyAccountPage``: owned and shared networks, newest
        modification first, and after each page the targets of the user's root-level shortcuts, unpaged. So a
        page can be longer than asked and repeat what was seen: the listing ends at a short page or a page
        with nothing new.
        """
        uuid = self.user_uuid or self.check_account()
        seen: set[str] = set()
        offset = 0
        while True:
            page = self._json(
                self.call(
                    partial(self._ndex.get, f"/user/{uuid}/networksummary", {"offset": offset, "limit": LISTING_PAGE})
                ),
                list,
                "network listing",
            )
            new = 0
            for summary in page:
                info = network_info(summary) if isinstance(summary, dict) else None
                if info is not None and info.uuid not in seen:
                    seen.add(info.uuid)
                    new += 1
                    yield info
            if len(page) < LISTING_PAGE or new == 0:
                return
            offset += LISTING_PAGE

    # -- networks --

    def summaries(self, uuids: Iterable[str]) -> dict[str, NetworkInfo]:
        """v3 batch summaries of ``uuids`` (in requests of ``lookup_batch``); absent ones are not readable."""
        ids = sorted(set(uuids))
        found: dict[str, NetworkInfo] = {}
        for start in range(0, len(ids), self.options.lookup_batch):
            batch = ids[start : start + self.options.lookup_batch]
            answer = self._json(self.call(partial(self._ndex.networks.get_summaries, batch)), list, "summaries")
            for summary in answer:
                info = network_info(summary) if isinstance(summary, dict) else None
                if info is not None:
                    found[info.uuid] = info
        return found

    def create(self, data: bytes, visibility: str) -> str:
        """Upload a new network; its UUID (raises ``CallFailed``, ambiguous when it may have been made)."""
        location = self.call(
            lambda: self._ndex.save_cx2_stream_as_new_network(io.BytesIO(data), visibility=visibility),
            creates=True,
        )
        uuid = str(location).rstrip("/").rsplit("/", 1)[-1].lower()
        if not re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", uuid):
            raise CallFailed(
                HttpProblem(201, None, f"the create answer names no network: {str(location)[:100]!r}", False, True),
                ambiguous=True,
            )
        return uuid

    def update(self, uuid: str, data: bytes) -> None:
        """Replace a network's content."""
        self.call(lambda: self._ndex.update_cx2_network(io.BytesIO(data), uuid))

    def set_system_properties(self, uuid: str, properties: dict[str, Any]) -> None:
        """``PUT /v2/network/{id}/systemproperty`` (visibility, index_level, readOnly, showcase)."""
        body = json.dumps(properties)
        self.call(lambda: self._ndex.put(f"/network/{uuid}/systemproperty", body))

    # -- network sets (folders on NDEx 3) --

    def find_network_sets(self) -> dict[str, tuple[str, str | None]]:
        """name → (id, visibility) of the folders at the top of this account's home (network sets are such)."""
        items = self._json(
            self.call(partial(self._ndex.files.list_folder_items, item_type="FOLDER", format="compact")),
            list,
            "home folder",
        )
        return {
            item["name"]: (str(item["uuid"]).lower(), item.get("visibility"))
            for item in items
            if isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("uuid"), str)
        }

    def network_set_members(self, set_id: str) -> set[str]:
        """The networks a network set (folder) holds: its networks and the targets of its shortcuts.

        ndex-rest ``FolderServiceV3.listItemsInFolder`` names a shortcut's target only with ``format=compact``.
        """
        items = self._json(
            self.call(partial(self._ndex.files.list_folder_items, set_id, "NETWORK", "compact")), list, "network set"
        )
        members = set()
        for item in items:
            if not isinstance(item, dict):
                continue
            attributes = item.get("attributes")
            if item.get("type") == "SHORTCUT":
                target = attributes.get("target") if isinstance(attributes, dict) else None
            else:
                target = item.get("uuid")
            if isinstance(target, str):
                members.add(target.lower())
        return members

    def create_network_set(self, name: str, description: str) -> str:
        """A new network set (on NDEx 3 a PRIVATE folder); its id.

        ndex-rest makes a second folder of the same name for a repeated create: a create whose answer was lost
        is looked for by name instead of being sent again.
        """
        with warnings.catch_warnings():  # ndex2 3.12 deprecates the set calls; they add many networks per request
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                url = self.call(partial(self._ndex.create_networkset, name, description), creates=True)
            except CallFailed as failed:
                if not failed.ambiguous:
                    raise
                found = self.find_network_sets().get(name)
                if found is None:
                    raise
                return found[0]
        return str(url).strip().rstrip("/").rsplit("/", 1)[-1].lower()

    def set_network_set_visibility(self, set_id: str, visibility: str) -> None:
        """``POST /v3/batch/files/setvisibility`` for the set's folder (``PUT /v2/networkset/{id}/systemproperty``
        does nothing to a folder: ndex-rest ``NetworkSetServiceV2``)."""
        self.call(partial(self._ndex.files.set_visibility, visibility, {set_id: "FOLDER"}))

    def add_to_network_set(self, set_id: str, uuids: list[str]) -> None:
        """Add networks to a network set, once each.

        Every ``POST /v2/networkset/{id}/members`` adds one shortcut per network, even for a network already
        there (ndex-rest ``NetworkSetServiceV2.addNetworksToSet``): so an add whose answer was lost is not
        retried blindly, but the set is listed and only the networks still missing are added.
        """
        for _ in range(self.options.retries + 1):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    self.call(partial(self._ndex.add_networks_to_networkset, set_id, uuids), creates=True)
                return
            except CallFailed as failed:
                if not failed.ambiguous:
                    raise
            members = self.network_set_members(set_id)
            uuids = [uuid for uuid in uuids if uuid not in members]
            if not uuids:
                return
        raise CallFailed(HttpProblem(None, None, "adding networks to the set: no answer after retries", True, True))
