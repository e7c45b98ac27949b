"""Shapes shared by every area: pages, problems, money."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class StrictIn(BaseModel):
    """Base of every input model: unknown fields are an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to get the next page; null on the last page."
    )


class FieldError(BaseModel):
    field: str = Field(examples=["code"])
    code: str = Field(examples=["missing"])
    message: str = Field(examples=["This field is required."])


class Problem(BaseModel):
    """RFC 9457 problem details, plus our stable ``code`` and the request id."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://gonghui.dev/problems/not_found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["The resource does not exist or is outside your scope."])
    instance: str = Field(examples=["/api/v1/org-units/0193..."])
    code: str = Field(examples=["not_found"])
    request_id: str | None = None
    errors: list[FieldError] | None = None


MoneyFen = Annotated[int, Field(description="Amount in fen (1 yuan = 100 fen); never a float.")]

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}, "description": desc}
    for status, desc in {
        400: "Bad request",
        401: "Not authenticated",
        403: "Permission denied",
        404: "Not found or outside your scope",
        409: "Conflicts with the current state",
        412: "Stale If-Match",
        422: "Validation or rule violation",
        428: "If-Match required",
        429: "Too many requests",
    }.items()
}
