"""The baseline: what most people would write, FastAPI + pydantic + aiosqlite, done fairly.

The same work as closecalls' create, where a user's service would do it: HTTP Basic auth
against a hashed key, validation of the call body (https recording URLs only), the phone
number normalised with libphonenumber, the lead and contact the body names looked up in the
caller's organization, a durable insert (WAL, synchronous=FULL) and the call as the response.
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
import phonenumbers
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import AfterValidator, BaseModel, Field, HttpUrl

DATABASE = os.environ.get("CLOSECALLS_BENCH_DB", "baseline.db")
KEY_HASH = hashlib.sha256(os.environ.get("CLOSECALLS_BENCH_KEY", "key").encode()).digest()


def https_only(url: HttpUrl) -> HttpUrl:
    if url.scheme != "https":
        raise ValueError("URL must use https")
    return url


HttpsUrl = Annotated[HttpUrl, AfterValidator(https_only)]
LEAD_ID = "lead_bench"
CONTACT_ID = "cont_bench"


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
    recording_url: HttpsUrl | None = None
    voicemail_url: HttpsUrl | None = None
    outcome_id: str | None = None
    custom_fields: dict[str, Any] | None = None
    quality_info: str | None = None
    disposition: str | None = None
    conversation_type_id: str | None = None
    playbook_id: str | None = None


class CallOut(CallIn):
    id: str
    organization_id: str
    date_updated: datetime
    phone_formatted: str | None = None
    phone_country: str | None = None


def normalise(raw: str) -> tuple[str, str, str | None]:
    """E.164, international form and country of a phone number (a 400 when it is none)."""
    try:
        number = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    if not phonenumbers.is_possible_number(number):
        raise HTTPException(status_code=400, detail="not a possible phone number")
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        phonenumbers.region_code_for_number(number),
    )


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
    await db.execute("CREATE TABLE IF NOT EXISTS object (id TEXT PRIMARY KEY, "
                     "organization_id TEXT, kind TEXT, lead_id TEXT)")  # fmt: skip
    await db.execute("INSERT OR IGNORE INTO api_key VALUES (?, 'orga_bench')", (KEY_HASH,))
    await db.execute("INSERT OR IGNORE INTO object VALUES (?, 'orga_bench', 'lead', NULL)",
                     (LEAD_ID,))  # fmt: skip
    await db.execute("INSERT OR IGNORE INTO object VALUES (?, 'orga_bench', 'contact', ?)",
                     (CONTACT_ID, LEAD_ID))  # fmt: skip
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
    db = state["db"]
    wanted = [oid for oid in (call.lead_id, call.contact_id) if oid is not None]
    if wanted:
        marks = ", ".join("?" * len(wanted))
        async with db.execute(
            f"SELECT id, kind, lead_id FROM object WHERE organization_id = ? AND id IN ({marks})",
            (organization_id, *wanted),
        ) as cursor:
            found = {row[0]: (row[1], row[2]) for row in await cursor.fetchall()}
        if call.lead_id is not None and found.get(call.lead_id, ("",))[0] != "lead":
            raise HTTPException(status_code=400, detail="lead_id: Object does not exist.")
        if call.contact_id is not None and found.get(call.contact_id, ("",))[0] != "contact":
            raise HTTPException(status_code=400, detail="contact_id: Object does not exist.")
    now = datetime.now(UTC)
    out = CallOut(**call.model_dump(), id=f"acti_{secrets.token_urlsafe(32)}",
                  organization_id=organization_id, date_updated=now)  # fmt: skip
    if out.phone is not None:
        out.phone, out.phone_formatted, out.phone_country = normalise(out.phone)
    if out.date_created is None:
        out.date_created = now
    await db.execute("INSERT INTO call VALUES (?, ?, ?, ?)",
                     (out.id, organization_id, out.date_created.isoformat(),
                      out.model_dump_json()))  # fmt: skip
    await db.commit()
    return out
