"""Figures and texts of the Bayesian CNN lab, built from plain records (the claims record, the panel's digit
record, a prediction's numbers): no Streamlit, no torch, so the card panel and the lab page share them and they
are tested on their own."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

NAMES = {"baseline": "Plain CNN", "mc_dropout": "MC dropout", "bbb": "Bayes by Backprop", "ensemble": "Deep ensemble"}
COLOURS = {"baseline": "#7F7F7F", "mc_dropout": "#1F77B4", "bbb": "#D62728", "ensemble": "#2CA02C"}
ALEATORIC, EPISTEMIC = "#B8C4DD", "#D62728"  # expected entropy, mutual information
SET_NAMES = {
    "rotated": "Rotated digits (45–180°)",
    "noise": "Gaussian noise",
    "fashion": "Fashion-MNIST",
    "shapes": "Shape scenes",
    "textures": "Textures",
}
MAX_ENTROPY = math.log(10)  # nats: all ten classes equally likely


def measured(record: Mapping[str, Any], claim: str) -> dict[str, Any]:
    """The measurements behind one claim of a claims record (``{}`` when it is not there)."""
    return next((dict(c["measured"]) for c in record.get("claims", []) if c["id"] == claim), {})


def _image(pixels: Sequence[Sequence[int]]) -> go.Heatmap:
    return go.Heatmap(z=pixels[::-1], colorscale="gray", zmin=0, zmax=255, showscale=False, hoverinfo="skip")


def angle_figure(answer: Mapping[str, Any]) -> go.Figure:
    """One rotated digit and every model's answer to it: the image the models see, and per model a bar of its
    predictive entropy split into expected entropy (aleatoric) and mutual information (epistemic), labelled with
    the predicted class and its probability. ``answer`` is :func:`demos.bayesian.explore.angle_report`'s."""
    kinds = [k for k in NAMES if k in answer["models"]]
    models = answer["models"]
    # the gap holds the bar chart's model names ("Bayes by Backprop" is about 110 px), so the image never meets them
    fig = make_subplots(rows=1, cols=2, column_widths=[0.22, 0.78], horizontal_spacing=0.27)
    fig.add_trace(_image(answer["image"]), row=1, col=1)
    names = [NAMES[k] for k in kinds]
    fig.add_bar(
        y=names,
        x=[models[k]["expected_entropy"] for k in kinds],
        orientation="h",
        name="expected entropy (each pass unsure)",
        marker_color=ALEATORIC,
        row=1,
        col=2,
    )
    fig.add_bar(
        y=names,
        x=[models[k]["mutual_information"] for k in kinds],
        orientation="h",
        name="mutual information (passes disagree)",
        marker_color=EPISTEMIC,
        text=[f"  {models[k]['predicted']} · {models[k]['confidence']:.0%}" for k in kinds],
        textposition="outside",
        cliponaxis=False,
        row=1,
        col=2,
    )
    fig.update_xaxes(visible=False, constrain="domain", constraintoward="left", row=1, col=1)
    fig.update_yaxes(visible=False, scaleanchor="x", row=1, col=1)
    fig.update_xaxes(title_text="predictive entropy (nats)", range=[0, MAX_ENTROPY], row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_layout(
        barmode="stack",
        height=250,
        margin={"l": 10, "r": 40, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.32, "x": 0.25, "font": {"size": 11}},
    )
    return fig


def digit_sweep_figure(sweep: Sequence[Mapping[str, Any]], degrees: float) -> go.Figure:
    """One digit's predictive entropy at every angle, per model, with the current angle marked."""
    fig = go.Figure()
    angles = [a["degrees"] for a in sweep]
    for kind, name in NAMES.items():
        if kind not in sweep[0]["models"]:
            continue
        fig.add_scatter(
            x=angles,
            y=[a["models"][kind]["entropy"] for a in sweep],
            name=name,
            mode="lines+markers",
            marker={"size": 5},
            line={"color": COLOURS[kind]},
        )
    fig.add_vline(x=degrees, line_dash="dot", line_color="#444")
    fig.update_layout(
        height=200,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "rotation (degrees)", "range": [0, 180]},
        yaxis={"title": "entropy (nats)", "range": [0, MAX_ENTROPY]},
        legend={"orientation": "h", "y": -0.45, "font": {"size": 11}},
    )
    return fig


def pass_figure(passes: Mapping[str, Sequence[Sequence[float]]], means: Mapping[str, Sequence[float]]) -> go.Figure:
    """Every stochastic pass's probability of each class (dots) and their mean (black bar), one panel per model:
    ``passes[kind]`` is ``(S, 10)``, ``means[kind]`` is ``(10,)``."""
    kinds = [k for k in NAMES if k in passes]
    fig = make_subplots(rows=1, cols=len(kinds), shared_yaxes=True, subplot_titles=[NAMES[k] for k in kinds])
    for col, kind in enumerate(kinds, start=1):
        p = passes[kind]
        for digit in range(10):
            fig.add_trace(
                go.Box(
                    y=[row[digit] for row in p],
                    x=[str(digit)] * len(p),
                    marker_color=COLOURS[kind],
                    boxpoints="all" if len(p) > 1 else False,
                    jitter=0.4,
                    pointpos=0,
                    marker_size=3,
                    line_width=1,
                    showlegend=False,
                ),
                row=1,
                col=col,
            )
        fig.add_scatter(
            x=[str(d) for d in range(10)],
            y=list(means[kind]),
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 14, "color": "black", "line": {"width": 2}},
            name="mean over passes",
            showlegend=col == 1,
            row=1,
            col=col,
        )
    fig.update_yaxes(range=[-0.02, 1.02], title_text="probability", row=1, col=1)
    fig.update_xaxes(title_text="class", type="category", tickfont_size=10, tickvals=[str(d) for d in range(10)])
    fig.update_layout(height=290, margin={"t": 40, "b": 10, "l": 10, "r": 10}, legend={"orientation": "h", "y": -0.3})
    return fig


NO_MI = "—"  # the plain CNN makes one pass: nothing to disagree, so no mutual information


def _mi_cell(auroc: float | None) -> str:
    return NO_MI if auroc is None else f"{auroc:.4g}"


def summary_rows(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per model: accuracy, NLL, ECE clean and rotated, mean OOD AUROC by each score (by mutual
    information as text, "—" for the plain CNN, which has none), passes, time."""
    acc, cal = measured(record, "accuracy"), measured(record, "calibration-under-shift")
    mi, ent = measured(record, "mutual-information-no-better"), measured(record, "predictive-entropy-better")
    cost = measured(record, "uncertainty-costs")
    base = mi["plain_cnn_entropy_auroc"]
    rows = []
    for kind in (k for k in NAMES if k in acc["accuracy"]):
        rows.append(
            {
                "model": NAMES[kind],
                "accuracy": f"{acc['accuracy'][kind]:.1%}",
                "NLL": acc["nll"][kind],
                "ECE": cal["clean_ece"][kind],
                "ECE turned": cal["rotated_ece"][kind],
                "OOD AUROC by MI": _mi_cell(mi["mean_auroc_by_mutual_information"].get(kind)),
                "by entropy": ent["mean_auroc_by_predictive_entropy"].get(kind, base),
                "ms (T = 30)": cost["ms_per_prediction"][kind],
                "weights": f"{cost['parameters'][kind]:,}",
            }
        )
    return rows


def rotation_figure(sweep: Mapping[str, Mapping[str, Sequence[float]]]) -> go.Figure:
    """Test digits turned by each angle: accuracy, mean mutual information and the AUROC of each model's own
    score against the upright digits. ``sweep[kind]`` holds ``angles``, ``accuracy``, ``mutual_information``,
    ``auroc``."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=["Accuracy", "Mean mutual information", "AUROC vs upright"])
    for kind in (k for k in NAMES if k in sweep):
        s = sweep[kind]
        common = {"x": s["angles"], "name": NAMES[kind], "line": {"color": COLOURS[kind]}, "legendgroup": kind}
        fig.add_scatter(y=s["accuracy"], **common, row=1, col=1)
        fig.add_scatter(y=s["mutual_information"], **common, showlegend=False, row=1, col=2)
        fig.add_scatter(y=s["auroc"], **common, showlegend=False, row=1, col=3)
    fig.update_xaxes(title_text="rotation (degrees)")
    fig.update_layout(height=330, margin={"t": 40, "b": 10, "l": 10, "r": 10}, legend={"orientation": "h", "y": -0.3})
    return fig


def reliability_figure(bins: Mapping[str, Mapping[str, Any]], ece: Mapping[str, float]) -> go.Figure:
    """Reliability diagrams, one per model: accuracy per confidence bin against the diagonal of perfect
    calibration; each panel's title carries the model's ECE."""
    kinds = [k for k in NAMES if k in bins]
    titles = [f"{NAMES[k]} · ECE {ece[k]:.3f}" for k in kinds]
    fig = make_subplots(rows=1, cols=len(kinds), shared_yaxes=True, subplot_titles=titles)
    for col, kind in enumerate(kinds, start=1):
        rel = bins[kind]
        edges = rel["edges"]
        centres = [(a + b) / 2 for a, b in pairwise(edges)]
        keep = [i for i, a in enumerate(rel["accuracy"]) if a is not None]
        fig.add_bar(
            x=[centres[i] for i in keep],
            y=[rel["accuracy"][i] for i in keep],
            width=edges[1] - edges[0],
            marker_color=COLOURS[kind],
            customdata=[rel["count"][i] for i in keep],
            hovertemplate="confidence %{x:.2f}<br>accuracy %{y:.2f}<br>%{customdata} digits<extra></extra>",
            showlegend=False,
            row=1,
            col=col,
        )
        fig.add_scatter(
            x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "black"}, showlegend=False, row=1, col=col
        )
    fig.update_xaxes(title_text="confidence", range=[0, 1])
    fig.update_yaxes(title_text="accuracy", range=[0, 1], row=1, col=1)
    fig.update_layout(height=300, margin={"t": 40, "b": 10, "l": 10, "r": 10})
    return fig


def roc_figure(
    roc: Mapping[str, Mapping[str, Mapping[str, Sequence[float]]]],
    auroc: Mapping[str, Mapping[str, float]],
    ood_set: str,
) -> go.Figure:
    """ROC curves of telling ``ood_set`` from test digits by each model's own score (mutual information for
    the sampling models, softmax entropy for the plain CNN), with each curve's AUROC in the legend."""
    fig = go.Figure()
    for kind in (k for k in NAMES if k in roc):
        curve = roc[kind][ood_set]
        fig.add_scatter(
            x=curve["fpr"],
            y=curve["tpr"],
            mode="lines",
            line={"color": COLOURS[kind], "shape": "hv"},
            name=f"{NAMES[kind]} · AUROC {auroc[kind][ood_set]:.3f}",
        )
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="chance · 0.5")
    fig.update_layout(
        height=360,
        xaxis_title="false-positive rate (test digits flagged)",
        yaxis_title="true-positive rate (OOD caught)",
        margin={"t": 20, "b": 10, "l": 10, "r": 10},
    )
    return fig


def auroc_rows(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per OOD set: the plain CNN's entropy AUROC, then each sampling model's by mutual information and
    by predictive entropy."""
    mi, ent = measured(record, "mutual-information-no-better"), measured(record, "predictive-entropy-better")
    rows = []
    for s in mi["sets"]:
        row: dict[str, Any] = {"OOD set": SET_NAMES.get(s, s), "Plain CNN (entropy)": mi["auroc_by_set"]["baseline"][s]}
        for kind in (k for k in NAMES if k != "baseline" and k in mi["auroc_by_set"]):
            row[f"{NAMES[kind]} (MI)"] = mi["auroc_by_set"][kind][s]
            row[f"{NAMES[kind]} (entropy)"] = ent["auroc_by_set"][kind][s]
        rows.append(row)
    return rows


def cost_figure(ms: Mapping[str, float], parameters: Mapping[str, int]) -> go.Figure:
    """Milliseconds for one image's prediction with T = 30 passes, per model, with its parameter count."""
    kinds = [k for k in NAMES if k in ms]
    fig = go.Figure(
        go.Bar(
            x=[NAMES[k] for k in kinds],
            y=[ms[k] for k in kinds],
            marker_color=[COLOURS[k] for k in kinds],
            text=[f"{ms[k]:.1f} ms · {parameters[k]:,} weights" for k in kinds],
        )
    )
    fig.update_layout(
        height=300, yaxis_title="ms per prediction (one image)", margin={"t": 20, "b": 10, "l": 10, "r": 10}
    )
    return fig


def explain(record: Mapping[str, Any]) -> list[str]:
    """What the OOD measurements say, set by set and overall, in sentences built from the record's numbers (so a
    re-run with other numbers says other things)."""
    mi, ent = measured(record, "mutual-information-no-better"), measured(record, "predictive-entropy-better")
    if not mi or not ent:
        return []
    sets: list[str] = mi["sets"]
    base = mi["auroc_by_set"]["baseline"]
    sampling = [k for k in NAMES if k != "baseline" and k in mi["auroc_by_set"]]
    lines = []
    for s in sets:
        by_mi = {k: mi["auroc_by_set"][k][s] for k in sampling}
        by_ent = {k: ent["auroc_by_set"][k][s] for k in sampling}
        best_mi, best_ent = max(by_mi, key=by_mi.__getitem__), max(by_ent, key=by_ent.__getitem__)
        lines.append(
            f"**{SET_NAMES.get(s, s)}**: plain CNN (entropy) {base[s]:.3f} · best by mutual information "
            f"{by_mi[best_mi]:.3f} ({NAMES[best_mi]}) · best by predictive entropy {by_ent[best_ent]:.3f} "
            f"({NAMES[best_ent]})"
        )
    mi_wins = {k: sum(mi["auroc_by_set"][k][s] > base[s] for s in sets) for k in sampling}
    ent_wins = {k: sum(ent["auroc_by_set"][k][s] > base[s] for s in sets) for k in sampling}
    n = len(sets)
    lines.append(
        "Sets on which a model's mutual information beat the plain CNN's entropy: "
        + ", ".join(f"{NAMES[k]} {mi_wins[k]} of {n}" for k in sampling)
        + ". Sets on which its predictive entropy did: "
        + ", ".join(f"{NAMES[k]} {ent_wins[k]} of {n}" for k in sampling)
        + "."
    )
    if sum(ent_wins.values()) > sum(mi_wins.values()):
        lines.append(
            "So averaging passes helped mostly by making the averaged prediction less confident on odd inputs, "
            "not through the passes' disagreement alone."
        )
    elif sum(mi_wins.values()) > sum(ent_wins.values()):
        lines.append("Here the passes' disagreement carried more of the signal than the averaged prediction's entropy.")
    return lines


def training_rows(info: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per shipped model from the checkpoints' train.json: command, seed, seconds, validation accuracy."""
    return [
        {
            "model": NAMES[kind],
            "command": m["command"],
            "seed": m["seed"],
            "seconds": m["seconds"],
            "validation accuracy": f"{m['val_accuracy']:.1%}",
            "hardware": m["hardware"],
        }
        for kind, m in info.get("models", {}).items()
        if kind in NAMES
    ]
