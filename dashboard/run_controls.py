"""Controls shared by the pages that start background runs: the claims audit (C1–C9,
K1–K3, ODD §10) and the comparison of two policies (C9, ODD §3.2).

A row of controls with a replicates slider and a run button, a progress bar with a
Cancel button while the runs go, and the style of the small grey notes. Layout only:
the runs themselves are ``dashboard/background_runs.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

CONTROL_ROW = {"align-items": "center", "flex-wrap": "wrap", "gap": "16px"}
NOTE_STYLE = {"font-size": "12px", "color": "#555"}


@solara.component
def ReplicatesSlider(
    label: str, value: int, low: int, high: int, width: str, on_value: Callable[[int], None]
) -> None:
    """How many paired replicates (seeds) to run, within ``[low, high]``."""
    with solara.Div(style={"width": width}):
        solara.SliderInt(label, value=value, min=low, max=high, on_value=on_value)


@solara.component
def RunButton(
    label: str, on_click: Callable[[], None], running: bool, icon: str, css_class: str
) -> None:
    """The button that starts a run; disabled while one is going."""
    solara.Button(
        label,
        on_click=on_click,
        color="primary",
        disabled=running,
        icon_name=icon,
        classes=[css_class],
    )


@solara.component
def CancelButton(on_click: Callable[[], None], css_class: str) -> None:
    """Stops the runs going (between two runs); the finished ones are dropped."""
    solara.Button(
        "Cancel", on_click=on_click, outlined=True, icon_name="mdi-stop", classes=[css_class]
    )


def show_progress(progress: solara.Reactive[tuple[int, int]], css_class: str) -> None:
    """A progress bar and "Running: done of total runs done" (indeterminate until the
    total is known).

    A plain function called while a component renders, not a component: a component
    with two elements would wrap them in a column of its own and change the layout.
    """
    done, total = progress.value
    solara.ProgressLinear(100 * done / total if total else True)
    solara.Text(f"Running: {done} of {total} runs done", classes=[css_class])
