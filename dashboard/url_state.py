"""The run set-up in the page's address: a link that shares (and a reload that keeps) it.

The query string holds the scenario, the seed, the months to run and every parameter the
set-up overrides (each main parameter, and any other a loaded CSV set), written as the
schema reads them back (``model.export.parameter_text``):
``/?scenario=baseline_2011&seed=2011&months=120&western_policy=conditional&…``.

On page load a valid query is the session's first set-up (the form and the model); an
invalid one gives one message in the set-up card and the default set-up, never a
traceback. A query may give only some keys (``/?seed=7``): the rest are the scenario's.
When Reset applies a new set-up, the address follows it (``solara.use_router().push``).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import solara

from dashboard.session import DEFAULT_SEED, RunSettings, SettingsStore, check_scenario
from model import SCHEMA, ParameterError, ScenarioError
from model.export import parameter_text
from model.scenarios import DEFAULT_SCENARIO

SET_UP_KEYS = ("scenario", "seed", "months")


def encode_query(settings: RunSettings) -> str:
    """The query string of a set-up (without the ``?``)."""
    items = [
        ("scenario", settings.scenario),
        ("seed", str(settings.seed)),
        ("months", str(settings.months)),
    ]
    items += [(name, parameter_text(value)) for name, value in settings.overrides.items()]
    return urlencode(items)


def decode_query(search: str | None) -> RunSettings:
    """The set-up a query string gives (the default one for an empty query).

    Raises ParameterError with one line saying what is wrong: an unknown key, a key
    given twice, an unknown scenario, or a value the schema (or the seed or months
    check) refuses.
    """
    pairs = parse_qsl(search or "", keep_blank_values=True)
    given: dict[str, str] = {}
    for key, value in pairs:
        if key not in SET_UP_KEYS and key not in SCHEMA:
            raise ParameterError(f"unknown key {key!r}")
        if key in given:
            raise ParameterError(f"{key!r} is given twice")
        given[key] = value
    scenario = check_scenario(given.pop("scenario", DEFAULT_SCENARIO))
    seed = given.pop("seed", DEFAULT_SEED)
    months = given.pop("months", None)
    try:
        return RunSettings.from_values(scenario, seed, given, months)
    except ScenarioError as exc:
        raise ParameterError(str(exc)) from None


def store_from_query(search: str | None) -> SettingsStore:
    """A session's store for the address it was opened with: its set-up, or the
    default set-up and a notice saying why the address was not used."""
    try:
        return SettingsStore(decode_query(search))
    except ParameterError as exc:
        return SettingsStore(
            notice=f"The address's set-up was not used ({exc}); showing the default set-up."
        )


def use_url_settings() -> SettingsStore:
    """Hook: the session's settings store, from the page's address at load."""
    router = solara.use_router()
    return solara.use_memo(lambda: store_from_query(router.search), [])


def use_url_sync(current: RunSettings | None) -> None:
    """Hook: when the set-up of the run on screen changes (Reset with new values), put
    it in the page's address; the set-up the page was opened with is already there."""
    router = solara.use_router()
    shown = solara.use_ref(current)

    def push() -> None:
        if current is None or current == shown.current:
            return
        shown.current = current
        router.push(f"{router.path or '/'}?{encode_query(current)}")

    solara.use_effect(push, [current])
