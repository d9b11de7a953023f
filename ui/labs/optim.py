"""The optimiser labs' panels: the race on a surface and on a network, the learning rate, and stale gradients.

Surface races are numpy (no torch): they compute at once, and the figure's own slider changes the learning rate in
the browser. Network trainings draw their shipped results first and train live on request: the button hands a
training function to :func:`ui.compute.start` (a background thread, once a training slot is free), and
:func:`ui.compute.watch` draws its progress, live curves and Stop button; a finished run's result is kept for the
session. The training functions (``*_run``) only compute: they take the device and sizes from the script and
never call Streamlit.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import streamlit as st

from demos.registry import Lab
from demos.train.records import read
from ui.compute import Progress, start, watch
from ui.labs.optim_view import COLOURS, LABELS, clip_divergent, curves_figure, race_figure, slider_curves_figure
from ui.state import kept, recall, remember

SURFACE_TITLES = {"quadratic": "Ravine (quadratic)", "rosenbrock": "Rosenbrock", "beale": "Beale", "saddle": "Saddle"}
CONDITIONS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
ANGLES = [0, 15, 30, 45]
STEPS = [50, 100, 200, 400]
MOMENTA = [0.0, 0.5, 0.8, 0.9, 0.95, 0.99]
ALPHAS = [0.5, 0.9, 0.99, 0.999]
BETA1 = [0.0, 0.5, 0.8, 0.9, 0.95, 0.99]
BETA2 = [0.9, 0.99, 0.999, 0.9999]
RHOS = [0.5, 0.8, 0.9, 0.95, 0.99]
# sizes of the live runs, as shipped (tests shrink them)
LIVE: dict[str, int] = {"race_steps": 250, "lr_steps": 250, "range_steps": 300, "sync_steps": 400}
SYNC_EVERY = 10  # the stale-gradient runs record the full training loss every this many updates


@st.cache_resource(show_spinner="Loading PyTorch…")
def _device() -> Any:
    from demos.common import pick_device

    return pick_device("auto")


def device_label() -> str:
    from demos.common import label

    return label(_device())


@st.cache_data(max_entries=32, show_spinner=False)
def surface_grid(name: str, params: tuple[tuple[str, float], ...]) -> dict[str, Any]:
    """The surface as an image of its contour bands, and what the figures and captions say about it."""
    from demos.optim.surfaces import SURFACES
    from ui.labs.optim_view import surface_image

    s = SURFACES[name].using(**dict(params))
    _, _, z = s.grid(240)  # (240, 240) loss over the plotted window
    return {
        "image": surface_image(z, s.f_min, s.log_levels),
        "minima": list(s.minima),
        "start": s.start,
        "bounds": s.bounds,
        "formula": s.formula,
        "note": s.note,
        "title": s.title,
    }


@st.cache_data(max_entries=256, show_spinner=False)
def rule_race(
    name: str, params: tuple[tuple[str, float], ...], rule: str, hyper: tuple[tuple[str, Any], ...], steps: int
) -> dict[str, Any]:
    """One rule at 1/8 .. 8 times its best learning rate on the surface (numpy, a few milliseconds); cached per
    rule, so moving one rule's hyper-parameter recomputes that rule alone."""
    from demos.optim.race import race_rule
    from demos.optim.surfaces import SURFACES

    run = race_rule(rule, SURFACES[name].using(**dict(params)), steps, **dict(hyper))
    return {"lrs": run.lrs, "paths": run.paths, "gaps": run.gaps, "reached": run.reached}


def race_data(
    name: str, params: tuple[tuple[str, float], ...], hyper: tuple[tuple[str, tuple], ...], steps: int
) -> dict[str, Any]:
    """Every rule's :func:`rule_race`."""
    from demos.optim.race import MULTIPLIERS
    from demos.optim.rules import RULES

    by_rule = dict(hyper)
    return {
        "multipliers": list(MULTIPLIERS),
        "rules": {r: rule_race(name, params, r, by_rule.get(r, ()), steps) for r in RULES},
    }


def _hyper_controls(key: str) -> tuple[tuple[str, tuple], ...]:
    with st.expander("Hyper-parameters (torch.optim's names)", icon=":material/tune:"):
        c1, c2, c3 = st.columns(3)
        m = c1.select_slider("momentum (Momentum, Nesterov)", MOMENTA, **kept(f"{key}-momentum", 0.9))
        a = c1.select_slider("alpha (RMSProp)", ALPHAS, **kept(f"{key}-alpha", 0.99))
        b1 = c2.select_slider("betas[0] (Adam)", BETA1, **kept(f"{key}-beta1", 0.9))
        b2 = c2.select_slider("betas[1] (Adam)", BETA2, **kept(f"{key}-beta2", 0.999))
        rho = c3.select_slider("rho (AdaDelta)", RHOS, **kept(f"{key}-rho", 0.9))
    return (
        ("momentum", (("momentum", m),)),
        ("nesterov", (("momentum", m),)),
        ("rmsprop", (("alpha", a),)),
        ("adam", (("betas", (b1, b2)),)),
        ("adadelta", (("rho", rho),)),
    )


def optimisers_panel(lab: Lab, key: str) -> None:
    surface_tab, network_tab = st.tabs(["On a surface", "On a network (MNIST)"])
    with surface_tab:
        st.fragment(_surface_race)(key)  # its own fragment: a surface slider reruns the race, not the network tab
    with network_tab:
        _network_race(key)


def _surface_race(key: str) -> None:
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
    name: str = (
        c1.selectbox(
            "Surface",
            list(SURFACE_TITLES),
            format_func=lambda s: SURFACE_TITLES[s],
            **kept(f"{key}-surface", "quadratic"),
        )
        or "quadratic"
    )
    params: tuple[tuple[str, float], ...] = ()
    if name == "quadratic":
        cond = c2.select_slider("Condition κ", CONDITIONS, **kept(f"{key}-cond", 50))
        angle = c3.select_slider("Valley angle", ANGLES, **kept(f"{key}-angle", 0))
        params = (("condition", float(cond)), ("angle", float(angle)))
    steps = c4.select_slider("Steps", STEPS, **kept(f"{key}-steps", 200))
    hyper = _hyper_controls(key)
    surf = surface_grid(name, params)
    race = race_data(name, params, hyper, steps)
    mid = len(race["multipliers"]) // 2
    st.plotly_chart(race_figure(race, surf, mid), key=f"{key}-race", config={"displayModeBar": False})
    st.caption(
        f"**{surf['title']}**, loss {surf['formula']}. {surf['note']} Every rule starts at the white dot "
        f"{tuple(round(v, 3) for v in surf['start'])}, with its own best learning rate (the fewest steps to the "
        "star, searched on a grid); the slider under the plot multiplies every rule's rate by the same factor, "
        "and ▶ Race moves the markers along their paths. Below: the loss above the minimum per step, on a log "
        "scale. The legend says how many steps each rule needed. Computed in numpy on this server's CPU."
    )


def _network_race(key: str) -> None:
    shipped = read("optim", "race")
    area = st.container()  # the curves go here, drawn after a live run has had its chance to finish
    rates = shipped["lrs"]  # the tuned rate of each rule (demos.optim.network.NETWORK_LRS), read without torch
    rules = st.multiselect(
        "Rules to train", list(rates), format_func=lambda r: LABELS[r], **kept(f"{key}-rules", list(rates))
    )
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    scale = c1.select_slider("Learning rates ×", [0.25, 0.5, 1.0, 2.0, 4.0], **kept(f"{key}-scale", 1.0))
    if c2.button("Train live", icon=":material/play_arrow:", key=f"{key}-train", disabled=not rules):
        run = partial(_race_run, rules=list(rules), scale=float(scale), steps=LIVE["race_steps"], device=_device())
        start(f"{key}-job-net", "the optimiser race", run)
    done = watch(f"{key}-job-net", show_partial=partial(_live_losses, key=f"{key}-live-net"))
    if done is not None and done.state == "done":
        remember(f"{key}-net", {**done.result, "device": device_label()})
    result = recall(f"{key}-net", None) or shipped
    with area:
        _race_curves(result, key)
        where = "computed live on " + result["device"] if result is not shipped else _provenance(shipped)
        st.caption(
            "The same rule functions train one MLP (784-64-64-10, ReLU) on 4,000 MNIST digits, from the same "
            "initial weights on the same minibatches of 64, each at its own tuned learning rate (times the factor "
            "below). Left: training loss (running mean of 10 steps); right: test accuracy on 1,000 held-out digits. "
            f"{where}."
        )


def _race_curves(result: dict[str, Any], key: str) -> None:
    runs = result["runs"]
    left, right = st.columns(2)
    left.plotly_chart(
        curves_figure(
            {r: v["loss"] for r, v in runs.items()},
            y_title="training loss",
            log_y=True,
            height=280,
            names={r: f"{LABELS[r]} ({v['lr']:g})" for r, v in runs.items()},
        ),
        key=f"{key}-netloss",
        config={"displayModeBar": False},
    )
    right.plotly_chart(
        _acc_figure({r: (v["eval_steps"], v["test_acc"]) for r, v in runs.items()}),
        key=f"{key}-netacc",
        config={"displayModeBar": False},
    )


def _acc_figure(series: dict[str, tuple[list[int], list[float]]]) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure(
        [
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=LABELS.get(r, r),
                line={"color": COLOURS.get(r)},
                showlegend=False,
            )
            for r, (xs, ys) in series.items()
        ]
    )
    fig.update_layout(
        height=280,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis_title="step",
        yaxis_title="test accuracy",
        plot_bgcolor="white",
    )
    fig.update_yaxes(gridcolor="#E2E8F0")
    return fig


def _live_losses(losses: dict[str, list[float]], key: str) -> None:
    """A live run's training loss so far (running mean of 10 steps), one line per rule."""
    st.plotly_chart(
        curves_figure(losses, y_title="training loss (live)", log_y=True, height=240),
        key=key,
        config={"displayModeBar": False},
    )
    st.caption("The training loss so far of each rule that has started, redrawn as the run goes.")


def _race_run(progress: Progress, *, rules: list[str], scale: float, steps: int, device: Any) -> dict[str, Any]:
    """The network race, run in the background: every rule in turn on the same MLP, weights and minibatches
    (seed 0). Reports each rule's smoothed loss so far; returns ``{"runs": {rule: {"lr", curve fields}}}``."""
    from demos.optim.network import race_network

    live: dict[str, list[float]] = {}

    def on_progress(rule: str, done: int, total: int, curve: Any) -> None:
        if done % 50 == 0 or done == total:
            live[rule] = curve.smoothed()
        fraction = (rules.index(rule) + done / total) / len(rules)
        progress(fraction, f"{LABELS[rule]}: step {done} of {total}", partial=dict(live))

    progress(0.0, "Loading MNIST…")
    out = race_network(rules, steps, scale=scale, device=device, on_progress=on_progress)
    return {"runs": {r: {"lr": run.lr, **run.curve.as_dict()} for r, run in out.items()}}


def _provenance(record: dict[str, Any]) -> str:
    hw = record.get("hardware", {})
    return (
        f"Shipped result of `{record.get('command', '?')}` ({record.get('seconds', '?')} s on {hw.get('device', '?')})"
    )


# ------------------------------------------------------------------------------------------------ learning rate

LR_GRID = [round(float(v), 5) for v in np.geomspace(0.002, 0.25, 22)]


@st.cache_data(show_spinner=False)
def lr_surface_views() -> list[dict[str, Any]]:
    """Gradient descent on the κ = 10 quadratic at each rate of LR_GRID for 100 steps, each path named by its
    regime: reaching the minimum (within 1e-4) or not, and where the rate sits against 1/κ and 2/κ."""
    from demos.optim.race import paths
    from demos.optim.surfaces import SURFACES

    q = SURFACES["quadratic"]
    runs = paths("sgd", q, q.start, 100, LR_GRID)  # (K, 101, 2)
    with np.errstate(invalid="ignore"):
        near = np.nan_to_num(q.gap(runs), nan=np.inf) < 1e-4  # (K, 101)
    views = []
    for lr, run, hits in zip(LR_GRID, runs, near, strict=True):
        when = f"minimum in {int(hits.argmax())} steps" if hits.any() else "not there after 100 steps"
        if not np.isfinite(run[-1]).all() or lr > 0.2:
            regime = "divergent: above 2/κ = 0.2 each step overshoots the steep direction further"
        elif lr > 2 / 11:
            regime = f"too large: the steep direction's zig-zag now dies out slowest ({when})"
        elif not hits.any():
            regime = "too small: still crawling along the flat direction after 100 steps"
        else:
            regime = f"about right: {when}" + (", zig-zagging across the valley" if lr > 0.1 else "")
        views.append({"lr": lr, "path": run, "regime": regime})
    return views


def learning_rate_panel(lab: Lab, key: str) -> None:
    surface_tab, network_tab = st.tabs(["On a surface", "On a network (MNIST)"])
    with surface_tab:
        from ui.labs.optim_view import lr_figure

        views = lr_surface_views()
        grid = surface_grid("quadratic", (("condition", 10.0), ("angle", 0.0)))
        st.plotly_chart(
            lr_figure(views, grid, LR_GRID.index(min(LR_GRID, key=lambda v: abs(v - 0.08)))),
            key=f"{key}-lrsurf",
            config={"displayModeBar": False},
        )
        st.caption(
            "Gradient descent on the quadratic (x² + 10y²)/2 for 100 steps. Drag the slider under the plot: the "
            "curvature is 1 along x and 10 along y, so small rates crawl along the flat x direction, rates above "
            "1/10 zig-zag across the valley, the fastest is 2/(1 + 10) ≈ 0.18, and above 2/10 every step "
            "overshoots further: divergence. The title names the regime and the steps to the star."
        )
    with network_tab:
        _lr_network(key)


def _lr_network(key: str) -> None:
    shipped = read("optim", "lr")
    area = st.container()
    if st.button("Run again live", icon=":material/play_arrow:", key=f"{key}-lrtrain"):
        run = partial(_lr_run, steps=LIVE["lr_steps"], range_steps=LIVE["range_steps"], device=_device())
        start(f"{key}-job-lr", "the learning-rate runs", run)
    done = watch(f"{key}-job-lr", show_partial=partial(_live_losses, key=f"{key}-live-lr"))
    if done is not None and done.state == "done":
        remember(f"{key}-lr", {**done.result, "device": device_label()})
    result = recall(f"{key}-lr", None) or shipped
    regimes = result["regimes"]
    with area:
        left, right = st.columns(2)
        palette = {"too small": "#94A3B8", "about right": "#16A34A", "too large": "#CA8A04", "divergent": "#DC2626"}
        losses = {k: v["loss"] for k, v in regimes.items()}
        net = curves_figure(
            losses,
            y_title="training loss",
            log_y=True,
            height=280,
            colours=palette,
            names={k: f"{k} ({v['lr']:g})" for k, v in regimes.items()},
        )
        gone = clip_divergent(net, losses, "divergent")
        left.plotly_chart(net, key=f"{key}-lrnet", config={"displayModeBar": False})
        test = result["range_test"]
        fig = curves_figure(
            {"range test": test["smoothed"]},
            x=test["lrs"],
            x_title="learning rate",
            y_title="loss",
            log_x=True,
            height=280,
            colours={"range test": "#2563EB"},
        )
        fig.add_vline(
            x=test["suggested"],
            line_dash="dot",
            line_color="#16A34A",
            annotation_text=f"steepest: {test['suggested']:.2g}",
        )
        right.plotly_chart(fig, key=f"{key}-range", config={"displayModeBar": False})
        where = "computed live on " + result["device"] if result is not shipped else _provenance(shipped)
        st.caption(
            "Left: SGD on the MNIST MLP at four learning rates, training loss per step (log scale"
            + (
                f", cut at 10× the other runs' largest loss: the divergent run leaves the plot at step {gone})"
                if gone is not None
                else ")"
            )
            + ". Right: the "
            "range test, one run whose rate grows exponentially from 0.001 to 10, loss (smoothed) against the "
            f"rate; the usual pick is where the loss falls fastest. {where}."
        )


def _lr_run(progress: Progress, *, steps: int, range_steps: int, device: Any) -> dict[str, Any]:
    """SGD at the four rates of ``LR_REGIMES``, then the range test, run in the background. Reports each rate's
    smoothed loss so far; returns ``{"regimes": {name: {"lr", curve fields}}, "range_test": {...}}``."""
    from demos.optim.network import LR_REGIMES, range_test, train_with_rule
    from demos.train.core import mnist

    progress(0.0, "Loading MNIST…")
    data = mnist(device=device)
    regimes: dict[str, Any] = {}
    live: dict[str, list[float]] = {}
    for i, (name, lr) in enumerate(LR_REGIMES.items()):

        def on_progress(done: int, total: int, curve: Any, i: int = i, name: str = name, lr: float = lr) -> None:
            live[name] = curve.smoothed()
            progress((i + done / total) / 5, f"lr {lr:g} ({name}): step {done} of {total}", partial=dict(live))

        curve = train_with_rule(data, "sgd", lr, steps, eval_every=50, device=device, on_progress=on_progress).curve
        regimes[name] = {"lr": lr, **curve.as_dict()}
    progress(0.8, "Range test…")
    test = range_test(data, low=1e-3, high=10.0, steps=range_steps, device=device)
    return {"regimes": regimes, "range_test": test}


# ------------------------------------------------------------------------------------------------ sync / async


def sync_panel(lab: Lab, key: str) -> None:
    shipped = read("optim", "sync")
    lr = st.segmented_control("Learning rate", [0.1, 0.02], **kept(f"{key}-lr", 0.1)) or 0.1
    runs = [r for r in shipped["runs"] if r["lr"] == lr]
    sync = next(r for r in runs if r["staleness"] == 0)
    views = []
    for r in runs:
        x = list(range(0, len(r["loss"]) * r["every"], r["every"]))
        sx = list(range(0, len(sync["loss"]) * sync["every"], sync["every"]))
        verdict = "diverged" if r["diverged"] else f"test accuracy {r['test_acc']:.1%}"
        views.append(
            {
                "label": str(r["staleness"]),
                "title": f"Staleness {r['staleness']}: {verdict} (synchronous: {sync['test_acc']:.1%})",
                "series": {"synchronous SGD": (sx, sync["loss"]), "asynchronous, stale gradients": (x, r["loss"])},
            }
        )
    active = next(i for i, r in enumerate(runs) if r["staleness"] == 4)
    st.plotly_chart(
        slider_curves_figure(views, active, prefix="Staleness (updates old): ", y_title="training loss"),
        key=f"{key}-sync",
        config={"displayModeBar": False},
    )
    st.caption(
        "Training loss of the MNIST MLP against the number of updates. Every update of the asynchronous run applies "
        "a gradient computed on the weights of that many updates ago, as a worker does that read the weights, "
        "computed, and found others had updated meanwhile; the synchronous run always uses the current weights. "
        "Same weights, minibatches and rate otherwise. Drag the slider; switch the rate to see a smaller one "
        f"tolerate staleness. {_provenance(shipped)}."
    )
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    tau = c1.slider("Your staleness", 0, 64, **kept(f"{key}-tau", 12))
    if c2.button("Run it live", icon=":material/play_arrow:", key=f"{key}-run"):
        run = partial(_stale_run, tau=int(tau), lr=float(lr), steps=LIVE["sync_steps"], device=_device())
        start(f"{key}-job", "the stale-gradient run", run)
    done = watch(f"{key}-job", show_partial=partial(_live_stale, key=f"{key}-live-partial"))
    if done is not None and done.state == "done":
        remember(f"{key}-live", {**done.result, "device": device_label()})
    live = recall(f"{key}-live", None)
    if live:
        st.plotly_chart(
            curves_figure(
                {"synchronous SGD": live["sync"], f"staleness {live['tau']}": live["stale"]},
                x=live["x"],
                x_title="updates",
                y_title="training loss",
                height=260,
                colours={"synchronous SGD": "#334155", f"staleness {live['tau']}": "#DC2626"},
            ),
            key=f"{key}-live-fig",
            config={"displayModeBar": False},
        )
        st.caption(
            f"Your run: staleness {live['tau']}, learning rate {live['lr']:g}, computed live on {live['device']}."
        )


def _live_stale(losses: dict[str, list[float]], key: str) -> None:
    """The stale-gradient run's training loss so far (recorded every ``SYNC_EVERY`` updates)."""
    longest = max(len(v) for v in losses.values())
    padded = {name: v + [None] * (longest - len(v)) for name, v in losses.items()}
    st.plotly_chart(
        curves_figure(
            padded,
            x=range(0, longest * SYNC_EVERY, SYNC_EVERY),
            x_title="updates",
            y_title="training loss (live)",
            height=240,
            colours={"synchronous SGD": "#334155"},
        ),
        key=key,
        config={"displayModeBar": False},
    )
    st.caption("Training loss so far, redrawn as the run goes: first synchronous SGD, then your staleness.")


def _stale_run(progress: Progress, *, tau: int, lr: float, steps: int, device: Any) -> dict[str, Any]:
    """Synchronous SGD, then SGD with gradients ``tau`` updates old, run in the background (seed 0, the same
    weights and minibatches). Reports the losses so far; returns the curves the panel draws."""
    from demos.optim.sync import stale_sgd
    from demos.train.core import mnist

    progress(0.0, "Loading MNIST…")
    data = mnist(device=device)
    out = []
    live: dict[str, list[float]] = {}
    for i, s in enumerate((0, tau)):
        name = "synchronous SGD" if i == 0 else f"staleness {tau}"

        def on_progress(done: int, total: int, curve: Any, i: int = i, name: str = name) -> None:
            live[name] = list(curve.loss)
            progress((i + done / total) / 2, f"{name}: update {done} of {total}", partial=dict(live))

        out.append(stale_sgd(data, s, lr, steps, every=SYNC_EVERY, device=device, on_progress=on_progress))
    sync, stale = out
    return {
        "tau": tau,
        "lr": lr,
        "x": list(range(0, len(sync.loss) * sync.every, sync.every)),
        "sync": sync.loss,
        "stale": stale.loss + [None] * (len(sync.loss) - len(stale.loss)),
    }
