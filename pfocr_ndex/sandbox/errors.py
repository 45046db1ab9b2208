"""NDEx error answers of the sandbox, and the parsing failures ndex-rest turns into them.

Status and ``errorCode`` per exception class follow ndex-object-model ``model/exceptions/*`` and
ndex-rest ``rest/exceptions/mappers/*`` (see ``docs/ndex-rest-notes.md`` §11).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "VISIBILITIES",
    "ApiError",
    "UuidSyntaxError",
    "not_found_in_ndex",
    "parse_uuid",
    "parse_visibility",
    "sql_uuid",
    "uuid_from_string",
]

VISIBILITIES = ("PUBLIC", "PRIVATE", "UNLISTED")


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


def not_found_in_ndex(kind: str, object_id: str) -> ApiError:
    """``new ObjectNotFoundException(kind, id)``: "<kind> <id> not found in NDEx."

    >>> not_found_in_ndex("Network", "x").message
    'Network x not found in NDEx.'
    """
    return ApiError.not_found(f"{kind} {object_id} not found in NDEx.")


class UuidSyntaxError(ValueError):
    """What ``java.util.UUID.fromString`` throws: the Java class and its ``getMessage()``."""

    def __init__(self, java_class: str, message: str) -> None:
        super().__init__(message)
        self.java_class = java_class
        self.message = message


def _java_hex_digit(unit: str) -> int:
    """``Character.digit(unit, 16)`` of one UTF-16 code unit: ASCII and fullwidth hex letters, any decimal digit."""
    if unit.isdecimal():
        return unicodedata.decimal(unit)
    for first in "aA\uff21\uff41":  # a, A, fullwidth A, fullwidth a
        if 0 <= ord(unit) - ord(first) < 6:
            return 10 + ord(unit) - ord(first)
    return -1


def _utf16(text: str) -> list[str]:
    """A Java string's chars: UTF-16 code units (a character beyond U+FFFF is two)."""
    data = text.encode("utf-16-le", "surrogatepass")
    return [chr(int.from_bytes(data[i : i + 2], "little")) for i in range(0, len(data), 2)]


def _java_text(units: list[str]) -> str:
    return "".join(units).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _java_parse_hex(units: list[str], begin: int, end: int) -> int:
    """``Long.parseLong(s, begin, end, 16)`` (JDK 17): an optional ``+``, hex digits, at most ``Long.MAX_VALUE``."""

    def error(at: int) -> UuidSyntaxError:  # NumberFormatException.forCharSequence
        return UuidSyntaxError(
            "java.lang.NumberFormatException", f'Error at index {at - begin} in: "{_java_text(units[begin:end])}"'
        )

    if begin == end:
        raise UuidSyntaxError("java.lang.NumberFormatException", "")
    if units[begin] < "0" and units[begin] != "+":
        raise error(begin)
    start = begin + (units[begin] == "+")
    if start == end:
        raise error(start)
    value = 0
    for i in range(start, end):
        digit = _java_hex_digit(units[i])
        value = value * 16 + digit
        if digit < 0 or value > 0x7FFF_FFFF_FFFF_FFFF:
            raise error(i)
    return value


def uuid_from_string(text: str) -> str:
    """``java.util.UUID.fromString`` (JDK 17, which ndex-rest runs on): five dash-separated groups of hex digits,
    each read by ``Long.parseLong(…, 16)`` and cut to its field's width; the canonical lower-case form.

    No braces, ``urn:uuid:`` or bare 32 digits (Python's ``uuid.UUID`` takes those); raises ``UuidSyntaxError``
    with Java's exception class and message.

    >>> uuid_from_string("85034B42-DE8A-11EA-99DA-0AC135E8BACF"), uuid_from_string("1-2-3-4-5")
    ('85034b42-de8a-11ea-99da-0ac135e8bacf', '00000001-0002-0003-0004-000000000005')
    >>> uuid_from_string("{85034b42-de8a-11ea-99da-0ac135e8bacf}")
    Traceback (most recent call last):
    pfocr_ndex.sandbox.errors.UuidSyntaxError: UUID string too large
    """
    units = _utf16(text[:37])  # lengths and indices count UTF-16 code units, as Java's
    if len(units) > 36:
        raise UuidSyntaxError("java.lang.IllegalArgumentException", "UUID string too large")
    dashes = [i for i, unit in enumerate(units) if unit == "-"]
    if len(dashes) != 4:
        raise UuidSyntaxError("java.lang.IllegalArgumentException", f"Invalid UUID string: {text}")
    bounds = zip([-1, *dashes], [*dashes, len(units)], strict=True)
    fields = [_java_parse_hex(units, start + 1, end) for start, end in bounds]
    widths = (8, 4, 4, 4, 12)  # the mask each field gets (& 0xffffffffL, & 0xffffL, …)
    return "-".join(f"{value & ((1 << 4 * width) - 1):0{width}x}" for value, width in zip(fields, widths, strict=True))


def parse_uuid(text: str) -> str:
    """``UUID.fromString`` as ndex-rest's resources call it: the canonical UUID, or the 500 of
    ``DefaultExceptionMapper`` for the exception it throws.

    >>> parse_uuid("85034B42-DE8A-11EA-99DA-0AC135E8BACF")
    '85034b42-de8a-11ea-99da-0ac135e8bacf'
    >>> parse_uuid("x")
    Traceback (most recent call last):
    pfocr_ndex.sandbox.errors.ApiError: Uncaught exception java.lang.IllegalArgumentException: Invalid UUID string: x
    """
    try:
        return uuid_from_string(text)
    except UuidSyntaxError as err:
        raise ApiError.uncaught(err.java_class, err.message) from None


_SQL_UUID = re.compile(r"\{[0-9a-fA-F]{4}(?:-?[0-9a-fA-F]{4}){7}\}|[0-9a-fA-F]{4}(?:-?[0-9a-fA-F]{4}){7}")


def sql_uuid(text: str) -> str:
    """A UUID as PostgreSQL reads a ``uuid`` literal (``uuid.c`` ``string_to_uuid``: 32 hex digits, a ``-``
    allowed after each group of four, optionally in braces), where ndex-rest puts ids into SQL text unparsed
    (``PostgresNetworkDAO.getNetworkSummariesByIdStrList``); else the PSQLException that fails the statement.

    >>> sql_uuid("{85034B42DE8A11EA-99DA-0AC1-35E8BACF}")
    '85034b42-de8a-11ea-99da-0ac135e8bacf'
    """
    if not _SQL_UUID.fullmatch(text):
        raise ApiError.uncaught(
            "org.postgresql.util.PSQLException", f'ERROR: invalid input syntax for type uuid: "{text}"'
        )
    digits = text.strip("{}").replace("-", "").lower()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


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
