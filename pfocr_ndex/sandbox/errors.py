"""NDEx error answers of the sandbox, and the parsing failures ndex-rest turns into them.

Status and ``errorCode`` per exception class follow ndex-object-model ``model/exceptions/*`` and
ndex-rest ``rest/exceptions/mappers/*`` (see ``docs/ndex-rest-notes.md`` §11).
"""

from __future__ import annotations

import uuid as uuidlib

__all__ = ["VISIBILITIES", "ApiError", "not_found_in_ndex", "parse_uuid", "parse_visibility"]

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


def parse_uuid(text: str) -> str:
    """The canonical form of a UUID string, or the 500 ``UUID.fromString`` causes.

    >>> parse_uuid("85034B42-DE8A-11EA-99DA-0AC135E8BACF")
    '85034b42-de8a-11ea-99da-0ac135e8bacf'
    """
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
