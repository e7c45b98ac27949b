"""The peer baseline: the read paths of the FastAPI full-stack template, written as a small app on
gonghui's stack (FastAPI, SQLModel, SQLAlchemy, uvicorn, psycopg 3 / sqlite3) for the ``peer`` scenario.

What it does per request is what the template's ``backend/app/api/deps.py`` and
``backend/app/api/routes/items.py`` do (read there, written here independently):

- a sync generator dependency opens one ``Session`` per request (the session begins a transaction on
  its first query and rolls it back on close: on PostgreSQL BEGIN ... ROLLBACK around the queries);
- ``get_current_user`` (sync): OAuth2 bearer token, PyJWT ``decode`` (HS256), the payload validated by a
  pydantic model, the user loaded by primary key (``session.get``), 404 if missing, 400 if inactive;
- ``GET /items/{id}`` (sync): the item by primary key, 404 if missing, 400 unless the caller is a
  superuser or the owner, returned through ``response_model=ItemPublic``;
- ``GET /items/?skip&limit`` (sync): for a non-superuser a ``count(*)`` of the caller's items and the
  page ``WHERE owner_id = :me OFFSET :skip LIMIT :limit``, returned as ``ItemsPublic(data, count)``.

The template's engine is ``create_engine(url)`` (no pre-ping); the pool is sized like gonghui's
(40) so that neither side waits for connections. Its tables (``peer_user``, ``peer_item``, item
``owner_id`` not indexed, as in the template) live in their own SQLAlchemy metadata and are created
in the benchmark database by :func:`seed`; gonghui's schema and migrations never see them.

Run: ``PEER_DATABASE_URL=... PEER_SECRET=... python -m uvicorn bench.peer_app:app``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel, func, select


class PeerBase(SQLModel, registry=registry()):
    """Own metadata: these tables are not gonghui's (its migration test compares SQLModel.metadata)."""


class PeerUser(PeerBase, table=True):
    __tablename__ = "peer_user"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(max_length=255, unique=True, index=True)
    is_active: bool = True
    is_superuser: bool = False
    full_name: str | None = Field(default=None, max_length=255)
    hashed_password: str


class PeerItem(PeerBase, table=True):
    __tablename__ = "peer_item"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    title: str = Field(max_length=255)
    description: str | None = Field(default=None, max_length=255)
    owner_id: uuid.UUID = Field(foreign_key="peer_user.id", nullable=False, ondelete="CASCADE")


class ItemPublic(BaseModel):
    id: uuid.UUID
    title: str
    description: str | None = None
    owner_id: uuid.UUID


class ItemsPublic(BaseModel):
    data: list[ItemPublic]
    count: int


class TokenPayload(BaseModel):
    sub: str | None = None


ALGORITHM = "HS256"


def make_token(user_id: uuid.UUID, secret: str, minutes: int = 600) -> str:
    expire = datetime.now(UTC) + timedelta(minutes=minutes)
    return jwt.encode({"exp": expire, "sub": str(user_id)}, secret, algorithm=ALGORITHM)


def seed(url: str, items: int, *, owner_share: float = 0.5) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Create the peer tables in ``url`` and fill them: the caller (a plain user) owning
    ``owner_share`` of ``items`` items, another user the rest. Returns (caller id, caller's item ids)."""
    engine = _engine(url)
    PeerBase.metadata.create_all(engine)
    me, other = uuid.uuid4(), uuid.uuid4()
    mine: list[uuid.UUID] = []
    rows: list[dict[str, Any]] = []
    for i in range(items):
        owner = me if i < items * owner_share else other
        iid = uuid.uuid4()
        if owner == me:
            mine.append(iid)
        rows.append(
            {
                "id": iid,
                "title": f"Item {i}",
                "description": f"Description of item {i}",
                "owner_id": owner,
            }
        )
    with engine.begin() as conn:
        conn.execute(
            sa.insert(PeerBase.metadata.tables["peer_user"]),
            [
                {"id": me, "email": "me@example.org", "hashed_password": "x", "full_name": "Me"},
                {"id": other, "email": "other@example.org", "hashed_password": "x", "full_name": "Other"},
            ],
        )
        for i in range(0, len(rows), 5_000):
            conn.execute(sa.insert(PeerBase.metadata.tables["peer_item"]), rows[i : i + 5_000])
    engine.dispose()
    return me, mine


def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        from api.db.session import make_engine  # the same SQLite setup (WAL, pragmas) as gonghui

        return make_engine(url, pool_size=40)
    return sa.create_engine(url, pool_size=40, max_overflow=20)


_url = os.environ.get("PEER_DATABASE_URL")
engine = _engine(_url) if _url else None
SECRET = os.environ.get("PEER_SECRET", "peer-secret")

reusable_oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/login/access-token")


def get_db() -> Iterator[Session]:
    assert engine is not None, "set PEER_DATABASE_URL"
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]
TokenDep = Annotated[str, Depends(reusable_oauth2)]


def get_current_user(session: SessionDep, token: TokenDep) -> PeerUser:
    try:
        payload = jwt.decode(token, SECRET, algorithms=[ALGORITHM])
        token_data = TokenPayload.model_validate(payload)
    except (jwt.InvalidTokenError, ValidationError) as exc:
        raise HTTPException(status_code=403, detail="Could not validate credentials") from exc
    user = session.get(PeerUser, uuid.UUID(token_data.sub)) if token_data.sub else None
    if not user:
        raise HTTPException(status_code=404, detail="User not found")
    if not user.is_active:
        raise HTTPException(status_code=400, detail="Inactive user")
    return user


CurrentUser = Annotated[PeerUser, Depends(get_current_user)]

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/v1/items/", response_model=ItemsPublic)
def read_items(session: SessionDep, current_user: CurrentUser, skip: int = 0, limit: int = 100) -> Any:
    if current_user.is_superuser:
        count_statement = select(func.count()).select_from(PeerItem)
        statement = select(PeerItem).offset(skip).limit(limit)
    else:
        count_statement = (
            select(func.count()).select_from(PeerItem).where(PeerItem.owner_id == current_user.id)
        )
        statement = select(PeerItem).where(PeerItem.owner_id == current_user.id).offset(skip).limit(limit)
    count = session.exec(count_statement).one()
    items = session.exec(statement).all()
    return ItemsPublic(data=[ItemPublic.model_validate(i, from_attributes=True) for i in items], count=count)


@app.get("/api/v1/items/{id}", response_model=ItemPublic)
def read_item(session: SessionDep, current_user: CurrentUser, id: uuid.UUID) -> Any:
    item = session.get(PeerItem, id)
    if not item:
        raise HTTPException(status_code=404, detail="Item not found")
    if not current_user.is_superuser and item.owner_id != current_user.id:
        raise HTTPException(status_code=400, detail="Not enough permissions")
    return item
