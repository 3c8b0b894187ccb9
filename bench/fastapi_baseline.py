"""The baseline: what most people would write, FastAPI + pydantic + aiosqlite, done fairly.

The same work as closecalls' create: HTTP Basic auth against a hashed key, validation of
the call body, a durable insert (WAL, synchronous=FULL) and the call as the response.
Run: CLOSECALLS_BENCH_DB=path CLOSECALLS_BENCH_KEY=key uvicorn bench.fastapi_baseline:app
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import aiosqlite
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field, HttpUrl

DATABASE = os.environ.get("CLOSECALLS_BENCH_DB", "baseline.db")
KEY_HASH = hashlib.sha256(os.environ.get("CLOSECALLS_BENCH_KEY", "key").encode()).digest()


class CallIn(BaseModel):
    """Close's CreateCallActivity."""

    lead_id: str | None = None
    contact_id: str | None = None
    user_id: str | None = None
    activity_at: datetime | None = None
    date_created: datetime | None = None
    direction: Literal["inbound", "outbound"] | None = None
    status: Literal[
        "created", "in-progress", "completed", "cancel", "no-answer", "busy", "failed", "timeout"
    ] = "completed"
    source: Literal["Close.io", "External"] = "External"
    duration: Annotated[int, Field(ge=0, le=604800)] = 0
    phone: str | None = None
    note: str | None = None
    note_html: str | None = None
    recording_url: HttpUrl | None = None
    voicemail_url: HttpUrl | None = None
    outcome_id: str | None = None
    custom_fields: dict[str, Any] | None = None
    quality_info: str | None = None


class CallOut(CallIn):
    id: str
    organization_id: str
    date_updated: datetime


state: dict[str, aiosqlite.Connection] = {}


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    db = await aiosqlite.connect(DATABASE)
    await db.execute("PRAGMA journal_mode = WAL")
    await db.execute("PRAGMA synchronous = FULL")
    await db.execute(
        "CREATE TABLE IF NOT EXISTS api_key (key_hash BLOB PRIMARY KEY, organization_id TEXT)"
    )
    await db.execute("CREATE TABLE IF NOT EXISTS call (id TEXT PRIMARY KEY, organization_id TEXT, "
                     "date_created TEXT, document TEXT)")  # fmt: skip
    await db.execute("INSERT OR IGNORE INTO api_key VALUES (?, 'orga_bench')", (KEY_HASH,))
    await db.commit()
    state["db"] = db
    yield
    await db.close()


app = FastAPI(lifespan=lifespan)
basic = HTTPBasic()


async def organization(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]) -> str:
    digest = hashlib.sha256(credentials.username.encode()).digest()
    async with state["db"].execute(
        "SELECT key_hash, organization_id FROM api_key WHERE key_hash = ?", (digest,)
    ) as cursor:
        row = await cursor.fetchone()
    if row is None or not hmac.compare_digest(row[0], digest):
        raise HTTPException(status_code=401, detail="Unauthorized")
    return str(row[1])


@app.post("/api/v1/activity/call/")
async def create_call(
    call: CallIn, organization_id: Annotated[str, Depends(organization)]
) -> CallOut:
    now = datetime.now(UTC)
    out = CallOut(**call.model_dump(), id=f"acti_{secrets.token_urlsafe(32)}",
                  organization_id=organization_id, date_updated=now)  # fmt: skip
    if out.date_created is None:
        out.date_created = now
    db = state["db"]
    await db.execute("INSERT INTO call VALUES (?, ?, ?, ?)",
                     (out.id, organization_id, out.date_created.isoformat(),
                      out.model_dump_json()))  # fmt: skip
    await db.commit()
    return out
