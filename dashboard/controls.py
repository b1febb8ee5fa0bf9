"""The run set-up form: scenario, Western policy, main parameters, citizens, months to
run and seed, and the upload of a run's CSV whose set-up it loads.

Every control is generated from the parameter schema (``model.parameters.SCHEMA``):
its label, range, step, tooltip (description and claim) and default come from there,
and its value is checked by the schema's own ``validate``. A slider shows its value and
its bounds. The defaults shown are the chosen scenario's values. Invalid input shows
the schema's one-line message next to the field; only a fully valid form is handed to
Reset. The set-up of the run on screen is also the page's address
(``dashboard/url_state.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import solara

from dashboard.session import (
    MAIN_PARAMETERS,
    RunSettings,
    SettingsStore,
    settings_from_csv,
    validate_form,
)
from dashboard.url_state import use_url_sync
from model import SCHEMA, Parameter, list_scenarios, load_scenario
from model.scenarios import MAX_MONTHS

# An integer parameter whose range spans more than this many values gets a text field
# rather than a slider (e.g. the number of citizens), so any value in range can be typed.
SLIDER_MAX_VALUES = 1000
NOTE = {"font-size": "12px", "color": "#555"}
# The notice of a changed set-up lists this many changes, then counts the rest: another
# scenario changes many parameters at once, and the card is narrow.
CHANGES_LISTED = 4


def control_kind(p: Parameter) -> str:
    """Which widget a parameter gets: select, checkbox, slider_int, slider_float or text."""
    if p.choices is not None:
        return "select"
    if p.kind is bool:
        return "checkbox"
    if p.kind is int:
        return "text" if p.high - p.low > SLIDER_MAX_VALUES else "slider_int"
    if p.kind is float:
        return "slider_float"
    return "text"


def slider_step(p: Parameter) -> float:
    """A slider step of one hundredth of the parameter's range."""
    return (p.high - p.low) / 100.0


def slider_snap(p: Parameter, value: float) -> float:
    """Where a slider puts ``value``: the nearest step of its grid. The browser's slider
    (Vuetify) moves a value that is off its grid (a calibrated scenario's 0.5502, a
    value from an address or a CSV) to the grid, and reports the moved value as if the
    user had chosen it."""
    step = slider_step(p)
    return p.low + round((value - p.low) / step) * step


def number_text(x: float) -> str:
    """A slider's value or bound, short (four significant digits)."""
    return f"{x:.4g}"


def form_values(settings: RunSettings) -> dict[str, Any]:
    """The form's raw values of the main parameters for ``settings`` (the scenario's
    where it overrides none; text fields hold strings)."""
    own = load_scenario(settings.scenario).parameters
    values = {name: settings.overrides.get(name, own[name]) for name in MAIN_PARAMETERS}
    return {
        name: str(value) if control_kind(SCHEMA[name]) == "text" else value
        for name, value in values.items()
    }


def label_of(p: Parameter) -> str:
    """A control's label: the schema's label and unit."""
    return f"{p.label} ({p.unit})" if p.unit else p.label


@solara.component
def ParameterSlider(p: Parameter, value: Any, on_value: Callable[[Any], None]) -> None:
    """A slider with its value in its label and its bounds at both ends.

    The slider's own move of an off-grid value to its grid is not a change: the set-up
    keeps its exact value (a run loaded from a CSV reruns exactly)."""
    kind = control_kind(p)

    def changed(new: Any) -> None:
        moved_to_grid = math.isclose(new, slider_snap(p, value), abs_tol=slider_step(p) * 1e-6)
        if moved_to_grid and not math.isclose(new, value, abs_tol=slider_step(p) * 1e-6):
            return
        on_value(new)

    solara.Text(
        f"{label_of(p)}: {number_text(value)}",
        classes=["slider-label"],
        style={"font-size": "14px"},
    )
    with solara.Row(style={"align-items": "center", "gap": "4px"}, classes=["slider-row"]):
        solara.Text(number_text(p.low), classes=["slider-low"], style=NOTE)
        with solara.Div(style={"flex": "1 1 auto"}):
            if kind == "slider_int":
                solara.SliderInt(
                    "", value=int(value), min=int(p.low), max=int(p.high), on_value=on_value
                )
            else:
                solara.SliderFloat(
                    "",
                    value=float(value),
                    min=p.low,
                    max=p.high,
                    step=slider_step(p),
                    on_value=changed,
                )
        solara.Text(number_text(p.high), classes=["slider-high"], style=NOTE)


@solara.component
def ParameterControl(
    p: Parameter, value: Any, on_value: Callable[[Any], None], error: str | None
) -> None:
    """One schema-generated control with a tooltip naming its claim (C1–C9, K1–K3)."""
    kind = control_kind(p)
    tip = f"{p.description} [{p.claim}] Allowed: {p.range_text}. Parameter: {p.name}"
    with solara.Tooltip(tip), solara.Div(classes=[f"param-{p.name}"]):
        if kind == "select":
            solara.Select(label_of(p), values=list(p.choices), value=value, on_value=on_value)
        elif kind == "checkbox":
            solara.Checkbox(label=label_of(p), value=bool(value), on_value=on_value)
        elif kind in ("slider_int", "slider_float"):
            ParameterSlider(p, value, on_value)
        else:
            solara.InputText(
                label_of(p),
                value=str(value),
                on_value=on_value,
                error=error or False,
                message=p.range_text,
                continuous_update=False,
            )
        if error and kind != "text":
            solara.Error(error, dense=True)


@solara.component
def CsvUpload(on_settings: Callable[[RunSettings, str], None]) -> None:
    """Drop a run's CSV (``iran-sim run``, or this dashboard's download) to load the
    set-up its header records into the form; a file without one gives one line.

    The drop only keeps the file; it is read after the page has rendered, not in the
    upload's own thread, which Solara stops as soon as the page changes around it."""
    dropped, set_dropped = solara.use_state(None)
    problem, set_problem = solara.use_state(None)

    def read() -> None:
        if dropped is None:
            return
        name, data = dropped
        try:
            settings = settings_from_csv(name, data)
        except ValueError as exc:
            set_problem(str(exc))
            return
        set_problem(None)
        on_settings(settings, name)

    solara.use_effect(read, [dropped])
    with solara.Div(classes=["csv-upload"]):
        solara.FileDrop(
            label="Drop a run's CSV here to load its set-up",
            on_file=lambda file: set_dropped((file["name"], file["data"] or b"")),
            lazy=False,
        )
        with solara.Div():
            if problem:
                solara.Error(problem, dense=True, classes=["upload-error"])


@solara.component
def RunSetup(store: SettingsStore, current: RunSettings | None) -> None:
    """The run set-up card: edits ``store`` (what Reset builds) with validated values.

    ``current`` is the set-up of the model on screen; when the form differs from it the
    card says that Reset will start the new run, and when it changes (Reset) the page's
    address follows.
    """
    use_url_sync(current)
    first = solara.use_ref(current)  # the set-up the page opened with
    scenario, set_scenario = solara.use_state(store.settings.scenario)
    values, set_values = solara.use_state(form_values(store.settings))
    extra, set_extra = solara.use_state(store.settings.extra)
    seed_text, set_seed_text = solara.use_state(str(store.settings.seed))
    months_text, set_months_text = solara.use_state(str(store.settings.months))
    loaded, set_loaded = solara.use_state(None)

    settings, errors = validate_form(scenario, seed_text, values, months_text, extra)
    if settings is not None:
        store.settings = settings
    own_months = load_scenario(scenario).months

    def show(new: RunSettings) -> None:
        set_scenario(new.scenario)
        set_values(form_values(new))
        set_extra(new.extra)
        set_months_text(str(new.months))

    def choose_scenario(name: str) -> None:
        set_loaded(None)
        show(RunSettings.for_scenario(name))

    def load(new: RunSettings, name: str) -> None:
        show(new)
        set_seed_text(str(new.seed))
        set_loaded(f"Loaded the set-up of {name}.")

    def setter(name: str) -> Callable[[Any], None]:
        return lambda value: set_values(lambda old: {**old, name: value})

    # Every message sits in a box of its own that is always there, so that a message
    # coming or going never moves (and so rebuilds) the controls after it.
    with solara.Card("Run set-up", classes=["run-setup"]):
        with solara.Div():
            if store.notice and current == first.current:
                solara.Warning(store.notice, dense=True, classes=["url-notice"])
        solara.Select("Scenario", values=list_scenarios(), value=scenario, on_value=choose_scenario)
        solara.Text(load_scenario(scenario).title, style=NOTE)
        for name in MAIN_PARAMETERS:
            ParameterControl(SCHEMA[name], values[name], setter(name), errors.get(name))
        with solara.Div():
            if extra:
                solara.Text(
                    "Also set: "
                    + ", ".join(f"{n} = {v}" for n, v in extra.items())
                    + " (Scenario defaults drops them)",
                    classes=["extra-parameters"],
                    style=NOTE,
                )
        solara.InputText(
            "Months to run",
            value=months_text,
            on_value=set_months_text,
            error=errors.get("months", False),
            message=f"1 to {MAX_MONTHS}; the scenario's own: {own_months}; Play stops there",
            continuous_update=False,
            classes=["months-input"],
        )
        solara.InputText(
            "Seed",
            value=seed_text,
            on_value=set_seed_text,
            error=errors.get("seed", False),
            message="a whole number >= 0; the same seed gives the same run",
            continuous_update=False,
            classes=["seed-input"],
        )
        with solara.Div():
            if errors:
                solara.Error(
                    "Fix the marked input: Reset keeps using the last valid set-up.",
                    classes=["form-errors"],
                )
            elif current is not None and settings != current:
                changed = settings.differences(current)
                listed = ", ".join(changed[:CHANGES_LISTED])
                if len(changed) > CHANGES_LISTED:
                    listed += f" and {len(changed) - CHANGES_LISTED} more"
                solara.Info(
                    f"Changed ({listed}): press Reset to start a run with this set-up.",
                    dense=True,
                    classes=["form-changed"],
                )
            if loaded:
                solara.Success(loaded, dense=True, classes=["upload-done"])

        def restore() -> None:
            fresh = RunSettings.for_scenario(scenario)
            show(fresh)
            set_seed_text(str(fresh.seed))
            set_loaded(None)

        solara.Button("Scenario defaults", on_click=restore, text=True, icon_name="mdi-restore")
        CsvUpload(load)
