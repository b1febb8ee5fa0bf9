"""The run set-up form: scenario, Western policy, main parameters, citizens and seed.

Every control is generated from the parameter schema (``model.parameters.SCHEMA``):
its label, range, step, tooltip (description and claim) and default come from there,
and its value is checked by the schema's own ``validate``. The defaults shown are the
chosen scenario's values. Invalid input shows the schema's one-line message next to the
field; only a fully valid form is handed to Reset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from dashboard.session import (
    MAIN_PARAMETERS,
    RunSettings,
    SettingsStore,
    validate_form,
)
from model import SCHEMA, Parameter, list_scenarios, load_scenario

# An integer parameter whose range spans more than this many values gets a text field
# rather than a slider (e.g. the number of citizens), so any value in range can be typed.
SLIDER_MAX_VALUES = 1000


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


def form_values(settings: RunSettings) -> dict[str, Any]:
    """The form's raw field values for ``settings`` (text fields hold strings)."""
    return {
        name: str(value) if control_kind(SCHEMA[name]) == "text" else value
        for name, value in settings.overrides.items()
    }


@solara.component
def ParameterControl(
    p: Parameter, value: Any, on_value: Callable[[Any], None], error: str | None
) -> None:
    """One schema-generated control with a tooltip naming its claim (C1–C9, K1–K3)."""
    kind = control_kind(p)
    label = f"{p.label} ({p.unit})" if p.unit else p.label
    if kind in ("slider_int", "slider_float"):
        label = f"{label}: {value:.3g}"  # sliders show their value only while dragged
    tip = f"{p.description} [{p.claim}] Allowed: {p.range_text}. Parameter: {p.name}"
    with solara.Tooltip(tip), solara.Div(classes=[f"param-{p.name}"]):
        if kind == "select":
            solara.Select(label, values=list(p.choices), value=value, on_value=on_value)
        elif kind == "checkbox":
            solara.Checkbox(label=label, value=bool(value), on_value=on_value)
        elif kind == "slider_int":
            solara.SliderInt(
                label, value=int(value), min=int(p.low), max=int(p.high), on_value=on_value
            )
        elif kind == "slider_float":
            solara.SliderFloat(
                label,
                value=float(value),
                min=p.low,
                max=p.high,
                step=slider_step(p),
                on_value=on_value,
            )
        else:
            solara.InputText(
                label,
                value=str(value),
                on_value=on_value,
                error=error or False,
                message=p.range_text,
                continuous_update=False,
            )
        if error and kind != "text":
            solara.Error(error, dense=True)


@solara.component
def RunSetup(store: SettingsStore, current: RunSettings | None) -> None:
    """The run set-up card: edits ``store`` (what Reset builds) with validated values.

    ``current`` is the set-up of the model on screen; when the form differs from it the
    card says that Reset will start the new run.
    """
    scenario, set_scenario = solara.use_state(store.settings.scenario)
    values, set_values = solara.use_state(form_values(store.settings))
    seed_text, set_seed_text = solara.use_state(str(store.settings.seed))

    settings, errors = validate_form(scenario, seed_text, values)
    if settings is not None:
        store.settings = settings

    def choose_scenario(name: str) -> None:
        set_scenario(name)
        set_values(form_values(RunSettings.for_scenario(name)))

    def setter(name: str) -> Callable[[Any], None]:
        return lambda value: set_values(lambda old: {**old, name: value})

    with solara.Card("Run set-up", classes=["run-setup"]):
        solara.Select("Scenario", values=list_scenarios(), value=scenario, on_value=choose_scenario)
        solara.Text(load_scenario(scenario).title, style={"font-size": "12px", "color": "#555"})
        for name in MAIN_PARAMETERS:
            ParameterControl(SCHEMA[name], values[name], setter(name), errors.get(name))
        solara.InputText(
            "Seed",
            value=seed_text,
            on_value=set_seed_text,
            error=errors.get("seed", False),
            message="a whole number >= 0; the same seed gives the same run",
            continuous_update=False,
            classes=["seed-input"],
        )
        if errors:
            solara.Error(
                "Fix the marked input: Reset keeps using the last valid set-up.",
                classes=["form-errors"],
            )
        elif current is not None and settings != current:
            solara.Info("Changed: press Reset to start a run with this set-up.", dense=True)

        def restore() -> None:
            fresh = RunSettings.for_scenario(scenario)
            set_values(form_values(fresh))
            set_seed_text(str(fresh.seed))

        solara.Button("Scenario defaults", on_click=restore, text=True, icon_name="mdi-restore")
