from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import StrictIn


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str | None = Field(None, description="Absent for the client-credentials grant.")
    must_change_password: bool = False


class RefreshIn(StrictIn):
    refresh_token: str = Field(min_length=10, max_length=200)
