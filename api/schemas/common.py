"""Shapes shared by every area: pages, problems, money."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError
from typing_extensions import TypeForm

T = TypeVar("T")


class StrictIn(BaseModel):
    """Base of every input model: unknown fields are an error, never silently dropped; text holding a
    NUL character (``"\\u0000"`` in JSON) is an error of its field (``nul_character``): no database text
    can hold one (PostgreSQL refuses it, SQLite would store it inside a name)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_character(cls, value: Any) -> Any:
        if _holds_nul(value):
            raise PydanticCustomError("nul_character", "Text must not contain a NUL character.")
        return value


def _holds_nul(value: Any) -> bool:
    """Whether a validated field value holds a NUL in any of its texts (nested models check their own)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    return False


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a keyset list. ``next_cursor`` is always present: null on the last page."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )

    @classmethod
    def model_parametrized_name(cls, params: tuple[TypeForm[Any], ...]) -> str:
        """``Page[MemberEventOut]`` is the schema ``MemberEventPage`` (``Out`` dropped), not
        ``Page_MemberEventOut_``.

        An item type without a class name (an annotated union) needs a named subclass, e.g.
        ``class MemberPage(Page[MemberView])``; tests/core/test_openapi.py refuses generated names.
        """
        name = getattr(params[0], "__name__", None)
        if not isinstance(name, str) or not name.isidentifier():
            return super().model_parametrized_name(params)
        return (name[:-3] if name.endswith("Out") and len(name) > 3 else name) + "Page"


class FieldError(BaseModel):
    field: str = Field(examples=["code"])
    code: str = Field(examples=["missing"])
    message: str = Field(examples=["This field is required."])


class Problem(BaseModel):
    """RFC 9457 problem details, plus our stable ``code`` and the request id.

    Other members carry machine-readable context of the code (e.g. ``current`` and ``step`` of an
    illegal workflow transition). In the OpenAPI document ``code`` is the ``ProblemCode`` enum of every
    registered code (api/openapi.py).
    """

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(examples=["https://gonghui.dev/problems/not_found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["The resource does not exist or is outside your scope."])
    instance: str = Field(examples=["/api/v1/org-units/0193..."])
    code: str = Field(description="Stable machine-readable code; see `ProblemCode`.", examples=["not_found"])
    request_id: str | None = Field(description="Also in the `X-Request-ID` header; quote it when reporting.")


class ValidationProblem(Problem):
    """A 422 problem: ``errors`` lists every field at fault (empty when the rule concerns no one field)."""

    model_config = ConfigDict(title="ValidationProblem")

    errors: list[FieldError]


MoneyFen = Annotated[int, Field(description="Amount in fen (1 yuan = 100 fen); never a float.")]

#: Routers pass this as ``responses=``; it adds nothing: each operation's problem responses are derived
#: from its dependencies when the OpenAPI document is built (api/openapi.py). Kept so every router
#: keeps the same signature.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {}

#: key under which a route's ``responses`` name the problem codes its handler raises (api/openapi.py)
PROBLEM_CODES_KEY = "x-problem-codes"


def problem_responses(problems: dict[int, tuple[str, ...]]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for what a handler raises itself beyond its dependencies, e.g. a login's
    ``{429: ("login_locked",)}``; api/openapi.py turns each into a documented problem response."""
    return {
        status: {"description": HTTPStatus(status).phrase, PROBLEM_CODES_KEY: list(codes)}
        for status, codes in problems.items()
    }
