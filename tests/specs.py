"""The decode spec of a request as the agent builds it (`request.for_model`), for tests."""

from __future__ import annotations

from datetime import datetime

from rem_agent.rem.catalog import Catalog, default_catalog
from rem_agent.rem.decode_spec import DecodeSpec
from rem_agent.rem.profile import Profile
from rem_agent.translate.request import TranslateOptions, for_model
from rem_agent.translate.spec import decode_spec

NOW = datetime(2026, 11, 26, 10, 30)


def spec_of(
    text: str,
    profile: Profile | str = Profile.REM,
    *,
    now: datetime = NOW,
    tz: str = "UTC",
    catalog: Catalog | None = None,
) -> DecodeSpec:
    catalog = catalog or default_catalog()
    options = TranslateOptions(now=now, tz=tz, profile=Profile(profile))
    return decode_spec(for_model(text, options, catalog), catalog=catalog)
