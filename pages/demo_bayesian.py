"""Bayesian CNN uncertainty: four models on one digit, and their uncertainty on shifted and foreign inputs."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from ui.boot import ensure_router
from ui.widgets import lab_header

ensure_router()

CHECKPOINTS = Path(__file__).resolve().parent.parent / "demos" / "bayesian" / "checkpoints"
NAMES = {
    "baseline": "Ordinary CNN",
    "mc_dropout": "MC dropout",
    "bbb": "Bayes by Backprop",
    "ensemble": "Deep ensemble",
}
COLOURS = {"baseline": "#7F7F7F", "mc_dropout": "#1F77B4", "bbb": "#D62728", "ensemble": "#2CA02C"}
SET_NAMES = {
    "rotated": "Rotated digits (45–180°)",
    "noise": "Gaussian noise",
    "fashion": "Fashion-MNIST",
    "shapes": "Shape scenes",
    "textures": "Textures",
}
SAMPLES = 30  # T: stochastic passes per prediction, as in the evaluation


@st.cache_resource(show_spinner="Loading the models…")
def load_models():  # type: ignore[no-untyped-def]
    import torch

    from demos.bayesian import checkpoints

    torch.set_num_threads(1)  # one image at a time: extra threads only add contention on a small CPU
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return device, checkpoints.load(device)


@st.cache_resource(show_spinner="Loading the MNIST test digits…")
def test_digits():  # type: ignore[no-untyped-def]
    from demos.bayesian.data import load_mnist

    return load_mnist(0).test


@st.cache_data(show_spinner=False)
def shipped_results() -> dict | None:
    path = CHECKPOINTS / "eval.json"
    return json.loads(path.read_text()) if path.exists() else None


@st.cache_data(show_spinner=False)
def training_info() -> dict | None:
    path = CHECKPOINTS / "train.json"
    return json.loads(path.read_text()) if path.exists() else None


def recompute_results() -> dict:
    """The same evaluation as `python -m demos.bayesian eval --save`, run here on this machine."""
    import time

    from demos.bayesian.data import load_mnist, ood_sets
    from demos.bayesian.evaluate import EvalConfig, evaluate_all

    device, models = load_models()
    splits = load_mnist(0)
    ood, skipped = ood_sets(splits.test, 300, 0)
    t0 = time.perf_counter()
    results = evaluate_all(models, splits.test, ood, EvalConfig(samples=SAMPLES), device, 0)
    meta = {
        "command": "the page's Re-run button (same as python -m demos.bayesian eval)",
        "hardware": "this server",
        "seconds": round(time.perf_counter() - t0, 1),
        "eval": {"n_sweep": EvalConfig().n_sweep},
        "samples": SAMPLES,
        "n_test": len(splits.test.x),
        "n_ood": 300,
        "ood_sets": list(ood),
        "ood_skipped": skipped,
    }
    return {**results, "meta": meta}


def canvas_image() -> np.ndarray | None:
    """The drawing as RGBA, or None before anything is drawn."""
    from streamlit_drawable_canvas import st_canvas

    result = st_canvas(
        stroke_width=20,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=280,
        width=280,
        drawing_mode="freedraw",
        return_image_data=True,
        key="digit_canvas",
    )
    return result.image_data


def input_panel() -> tuple[object | None, str]:
    """Read the input widgets; return (a (1, 28, 28) tensor or None, a description)."""
    from demos.bayesian.data import preprocess_drawing

    source = st.segmented_control(
        "Input", ["Pick a test digit", "Draw a digit"], default="Pick a test digit", required=True, key="source"
    )
    if source == "Draw a digit":
        st.caption("Draw one digit with the mouse, large and centred. The toolbar under the canvas clears it.")
        rgba = canvas_image()
        image = None if rgba is None else preprocess_drawing(rgba)
        if image is None:
            st.info("Draw a digit on the black square to see the predictions.", icon=":material/draw:")
        return image, "your drawing"
    test = test_digits()
    index = st.number_input("Test digit number", min_value=0, max_value=len(test.x) - 1, value=7, step=1)
    return test.x[int(index)], f"test digit #{int(index)} (a {int(test.y[int(index)])})"


def probability_figure(preds: dict) -> go.Figure:
    kinds = list(preds)
    fig = make_subplots(rows=1, cols=len(kinds), shared_yaxes=True, subplot_titles=[NAMES[k] for k in kinds])
    for col, kind in enumerate(kinds, start=1):
        p = np.asarray(preds[kind].probs)  # (S, 10)
        for digit in range(10):
            fig.add_trace(
                go.Box(
                    y=p[:, digit],
                    x=[str(digit)] * len(p),
                    name=str(digit),
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
        fig.add_trace(
            go.Scatter(
                x=[str(d) for d in range(10)],
                y=preds[kind].mean,
                mode="markers",
                marker={"symbol": "line-ew-open", "size": 16, "color": "black", "line": {"width": 2}},
                name="mean over passes",
                showlegend=col == 1,
            ),
            row=1,
            col=col,
        )
    fig.update_yaxes(range=[-0.02, 1.02], title_text="probability", row=1, col=1)
    fig.update_xaxes(title_text="class", type="category", tickfont_size=10)
    fig.update_layout(height=300, margin={"t": 40, "b": 10, "l": 10, "r": 10}, legend={"orientation": "h", "y": -0.3})
    return fig


def uncertainty_figure(preds: dict) -> go.Figure:
    kinds = list(preds)
    names = [NAMES[k] for k in kinds]
    fig = go.Figure()
    fig.add_bar(
        x=names,
        y=[preds[k].expected_entropy for k in kinds],
        name="expected entropy (aleatoric)",
        marker_color="#B8C4DD",
    )
    fig.add_bar(
        x=names,
        y=[preds[k].mutual_information for k in kinds],
        name="mutual information (epistemic)",
        marker_color="#D62728",
    )
    fig.add_hline(y=float(np.log(10)), line_dash="dot", annotation_text="log 10: the most uncertain possible")
    fig.update_layout(
        barmode="stack",
        height=300,
        yaxis_title="predictive entropy (nats)",
        yaxis_range=[0, 2.45],
        margin={"t": 20, "b": 10, "l": 10, "r": 10},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def sweep_figure(sweep, kind: str) -> go.Figure:  # type: ignore[no-untyped-def]
    fig = make_subplots(rows=1, cols=2, subplot_titles=["Class probabilities", "Uncertainty (nats)"])
    mean = np.asarray(sweep.mean)  # (A, 10)
    for digit in range(10):
        if mean[:, digit].max() < 0.05:
            continue
        fig.add_scatter(x=sweep.angles, y=mean[:, digit], mode="lines", name=f"class {digit}", row=1, col=1)
    fig.add_scatter(x=sweep.angles, y=sweep.entropy, name="entropy", line={"color": "black"}, row=1, col=2)
    fig.add_scatter(
        x=sweep.angles,
        y=sweep.mutual_information,
        name="mutual information",
        line={"color": COLOURS["bbb"]},
        row=1,
        col=2,
    )
    fig.update_xaxes(title_text="rotation (degrees)")
    fig.update_layout(height=320, title_text=NAMES[kind], margin={"t": 60, "b": 10, "l": 10, "r": 10})
    return fig


@st.fragment
def try_it(models: dict, device) -> None:  # type: ignore[no-untyped-def]
    from demos.bayesian.explore import predict, prepare, rotation_sweep

    left, right = st.columns([1, 2.4], gap="large")
    with left:
        image, what = input_panel()
        degrees = st.slider("Rotate (degrees, counter-clockwise)", 0, 180, 0, step=5)
        noise = st.slider("Gaussian noise (standard deviation)", 0.0, 1.0, 0.0, step=0.05)
        if image is None:
            return
        x = prepare(image, degrees, noise)
        st.image(x[0].numpy(), width=168, clamp=True)
        st.caption(f"What the models see: {what}, 28 × 28")
    preds = {kind: predict(model, x, SAMPLES, device) for kind, model in models.items()}
    with right:
        st.markdown("**Each model's prediction**")
        cols = st.columns(len(preds))
        for col, (kind, p) in zip(cols, preds.items(), strict=True):
            col.metric(NAMES[kind], f"{p.predicted}", f"{max(p.mean):.0%} sure", delta_color="off", delta_arrow="off")
            col.caption(f"entropy {p.entropy:.2f} · MI {p.mutual_information:.3f} · {p.ms:.0f} ms")
        st.plotly_chart(probability_figure(preds), width="stretch")
        st.caption(
            f"Each dot is one of the {SAMPLES} stochastic passes (dropout masks or weight draws; one per member "
            "for the ensemble); the black bar is their mean, the prediction. The ordinary CNN has one pass only."
        )
        st.plotly_chart(uncertainty_figure(preds), width="stretch")
        st.caption(
            "Predictive entropy = expected entropy + mutual information. Mutual information is large only when "
            "the passes disagree: the model's own doubt about its weights (epistemic). Expected entropy is large "
            "when each pass on its own spreads its bets (aleatoric, e.g. a digit that really looks like a 4 or a 9)."
        )
    st.markdown("**The same input, rotated from 0 to 180°**")
    kind = st.segmented_control(
        "Model",
        list(models),
        default="bbb" if "bbb" in models else next(iter(models)),
        format_func=NAMES.get,
        required=True,
        key="sweep_model",
    ) or next(iter(models))
    sweep = rotation_sweep(models[kind], prepare(image, 0, noise), list(range(0, 181, 10)), SAMPLES, device)
    st.plotly_chart(sweep_figure(sweep, kind), width="stretch")


def summary_table(results: dict, kinds: list[str]) -> None:
    rows = []
    for kind in kinds:
        r = results[kind]
        auroc = r["ood_auroc"]
        rows.append(
            {
                "model": NAMES[kind],
                "test accuracy": f"{r['accuracy']:.1%}",
                "NLL": round(r["nll"], 3),
                "ECE": round(r["ece"], 3),
                "mean OOD AUROC": round(float(np.mean(list(auroc.values()))), 3),
                "OOD score": "entropy" if r["score"] == "entropy" else "mutual information",
                "passes": r["passes"],
                "ms / prediction": r["ms_per_prediction"],
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")


def rotation_tab(results: dict, kinds: list[str]) -> None:
    fig = make_subplots(
        rows=1, cols=3, subplot_titles=["Accuracy", "Mean mutual information", "AUROC vs upright digits"]
    )
    for kind in kinds:
        s = results[kind]["rotation"]
        common = {"x": s["angles"], "name": NAMES[kind], "line": {"color": COLOURS[kind]}, "legendgroup": kind}
        fig.add_scatter(y=s["accuracy"], **common, row=1, col=1)
        fig.add_scatter(y=s["mutual_information"], **common, showlegend=False, row=1, col=2)
        fig.add_scatter(y=s["auroc"], **common, showlegend=False, row=1, col=3)
    fig.update_xaxes(title_text="rotation (degrees)")
    fig.update_layout(height=340, margin={"t": 40, "b": 10, "l": 10, "r": 10}, legend={"orientation": "h", "y": -0.3})
    st.plotly_chart(fig, width="stretch")
    st.caption(
        f"{results['meta']['eval']['n_sweep']} test digits rotated by each angle. The AUROC panel asks: ranking "
        "the rotated digits against the upright "
        "ones by each model's own uncertainty score, how often does the rotated one come out more uncertain? "
        "The ordinary CNN has no mutual information (one pass), so it is ranked by its softmax entropy."
    )


def reliability_tab(results: dict, kinds: list[str]) -> None:
    fig = make_subplots(
        rows=1,
        cols=len(kinds),
        shared_yaxes=True,
        subplot_titles=[f"{NAMES[k]} · ECE {results[k]['ece']:.3f}" for k in kinds],
    )
    for col, kind in enumerate(kinds, start=1):
        rel = results[kind]["reliability"]
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
    fig.update_layout(height=320, margin={"t": 40, "b": 10, "l": 10, "r": 10})
    st.plotly_chart(fig, width="stretch")
    st.caption(
        "Test digits grouped by the model's confidence (its top class probability, 15 bins). A calibrated model's "
        "bars sit on the dotted diagonal: of the digits it calls 90% sure, 90% are right. ECE is the average gap, "
        "weighted by how many digits fall in each bin. On clean MNIST almost every digit lands in the last bin, so "
        "ECE here is small for every model; the differences show on shifted inputs."
    )


def ood_tab(results: dict, kinds: list[str], sets: list[str]) -> None:
    name = (
        st.segmented_control(
            "OOD set", sets, default=sets[0], format_func=lambda s: SET_NAMES.get(s, s), required=True, key="ood_set"
        )
        or sets[0]
    )
    fig = go.Figure()
    for kind in kinds:
        roc = results[kind]["roc"][name]
        fig.add_scatter(
            x=roc["fpr"],
            y=roc["tpr"],
            mode="lines",
            line={"color": COLOURS[kind], "shape": "hv"},
            name=f"{NAMES[kind]} · AUROC {results[kind]['ood_auroc'][name]:.3f}",
        )
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot", "color": "grey"}, name="chance · 0.5")
    fig.update_layout(
        height=380,
        xaxis_title="false-positive rate (test digits flagged)",
        yaxis_title="true-positive rate (OOD caught)",
        margin={"t": 20, "b": 10, "l": 10, "r": 10},
    )
    st.plotly_chart(fig, width="stretch")
    rows = []
    for s in sets:
        row = {"OOD set": SET_NAMES.get(s, s)}
        for kind in kinds:
            row[f"{NAMES[kind]}"] = results[kind]["ood_auroc"][s]
        for kind in kinds:
            if kind != "baseline":
                row[f"{NAMES[kind]} (entropy)"] = results[kind]["ood_auroc_entropy"][s]
        rows.append(row)
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(
        "AUROC of each model's own score: mutual information for the three sampling models, softmax entropy for the "
        "ordinary CNN; the '(entropy)' columns rank the sampling models by their predictive entropy instead. "
        "1.0 means every OOD image is more uncertain than every test digit, 0.5 is a coin toss."
    )


def cost_tab(results: dict, kinds: list[str], hardware: str) -> None:
    fig = go.Figure(
        go.Bar(
            x=[NAMES[k] for k in kinds],
            y=[results[k]["ms_per_prediction"] for k in kinds],
            marker_color=[COLOURS[k] for k in kinds],
            text=[f"{results[k]['ms_per_prediction']:.1f} ms · {results[k]['passes']} pass(es)" for k in kinds],
        )
    )
    fig.add_hline(y=150, line_dash="dot", annotation_text="150 ms target")
    fig.update_layout(
        height=320, yaxis_title="ms per prediction (one image)", margin={"t": 20, "b": 10, "l": 10, "r": 10}
    )
    st.plotly_chart(fig, width="stretch")
    st.caption(
        f"Median wall time for one image with its uncertainty, measured on {hardware}. The T passes run as one "
        "batched forward of T copies, so they cost far less than T separate predictions; the Bayesian model also "
        "draws a fresh set of weights for every pass, which is where its extra time goes. Training costs more too: "
        "see the training times below."
    )


def explain(results: dict, kinds: list[str], sets: list[str]) -> None:
    """Which score separated each OOD set best, in words, from the evaluation results."""
    sampling = [k for k in kinds if k != "baseline"]
    if "baseline" not in results or not sampling:
        return
    lines = []
    mi_wins = dict.fromkeys(sampling, 0)
    entropy_wins = dict.fromkeys(sampling, 0)
    for s in sets:
        base = results["baseline"]["ood_auroc"][s]
        mi = {k: results[k]["ood_auroc"][s] for k in sampling}
        ent = {k: results[k]["ood_auroc_entropy"][s] for k in sampling}
        for k in sampling:
            mi_wins[k] += mi[k] > base
            entropy_wins[k] += ent[k] > base
        best_mi, best_ent = max(mi, key=mi.__getitem__), max(ent, key=ent.__getitem__)
        lines.append(
            f"- **{SET_NAMES.get(s, s)}**: ordinary CNN (softmax entropy) {base:.3f} · best mutual information "
            f"{mi[best_mi]:.3f} ({NAMES[best_mi]}) · best predictive entropy {ent[best_ent]:.3f} ({NAMES[best_ent]})"
        )
    st.markdown("**What happened on each OOD set** (AUROC, higher is better)\n\n" + "\n".join(lines))
    n = len(sets)
    beat_mi = ", ".join(f"{NAMES[k]} {mi_wins[k]} of {n}" for k in sampling)
    beat_ent = ", ".join(f"{NAMES[k]} {entropy_wins[k]} of {n}" for k in sampling)
    rotation_wins = []
    base_rot = results["baseline"]["rotation"]
    for kind in sampling:
        rot = results[kind]["rotation"]
        wins = [a for a, m, b in zip(rot["angles"], rot["auroc"], base_rot["auroc"], strict=True) if a and m > b]
        rotation_wins.append(f"{NAMES[kind]} at {len(wins)} of {len(rot['angles']) - 1} angles")
    st.markdown(
        f"Sets on which a model's *mutual information* beat the ordinary CNN's entropy: {beat_mi}. Sets on which "
        f"its *predictive entropy* (the entropy of the averaged prediction) beat it: {beat_ent}. "
        "So averaging many passes did help, but mostly by making the averaged prediction less confident on odd "
        "inputs, not through disagreement alone. With 3,500 training digits and a small network the passes agree "
        "more than the theory would like, so mutual information on its own separates less well than total entropy. "
        "Noise images are the clearest case: the passes agree that they are unsure (high expected entropy, low "
        "mutual information), which is aleatoric-looking uncertainty, not epistemic. In the rotation sweep, mutual "
        f"information beats the ordinary CNN's entropy for {', '.join(rotation_wins)}: disagreement grows as the "
        "digits turn away from anything the models were trained on."
    )


def explanation_text() -> None:
    st.markdown(
        """
**Reading the results.** All four networks have the same shape and reach similar accuracy on clean digits; they
differ in what they say when the input is *not* a clean digit.

- The **ordinary CNN** has one set of weights, so it gives one answer. Its only sign of doubt is a flat softmax
  (high entropy). It can be confidently wrong: a rotated 7 or a sweater can still get a confident answer.
- **MC dropout** keeps dropout switched on at test time and asks the network T times; each pass drops different
  units. **Bayes by Backprop** learns a mean and a spread for every weight and draws T weight sets. The **deep
  ensemble** is a few ordinary CNNs trained from different random starts. In all three, *disagreement* between
  the passes (mutual information) is the model saying "I have not seen anything like this".
- Disagreement is not magic. On inputs that are simply unlike digits in a way the network never needed to
  represent, every pass can agree on a confident wrong answer; softmax entropy then may do as well as, or
  better than, mutual information. The list below says which happened on each set — read it, not the theory.
- The price: T passes instead of one, a model twice the size for Bayes by Backprop (a mean and a spread per
  weight), one model per member for the ensemble, and slower training.
"""
    )


def main() -> None:
    results = st.session_state.get("bayes_results") or shipped_results()
    info = training_info()
    try:
        device, models = load_models()
    except FileNotFoundError as exc:
        lab_header("bayesian")
        st.error(f"{exc}. The checkpoints ship with the project; if they are missing, train them with that command.")
        return
    from demos.common import label

    lab_header("bayesian", label(device))
    st.markdown(
        "Four networks of the same small CNN read handwritten digits (MNIST): an **ordinary CNN**, **MC dropout**, "
        "**Bayes by Backprop** and a small **deep ensemble** of independently trained CNNs. The last three make "
        "several stochastic passes "
        "per prediction, so besides an answer they give a *spread*: when the passes disagree, the model is "
        "telling you it does not know. Try to make it not know: rotate a digit, add noise, or draw something odd."
    )
    try_it(models, device)

    st.header("Across the whole test set", divider="gray")
    if results is None:
        st.warning("No evaluation results yet: run `python -m demos.bayesian eval --json --save`.")
        return
    meta = results["meta"]
    kinds = [k for k in NAMES if k in results]
    sets = list(meta["ood_sets"])
    summary_table(results, kinds)
    st.caption(
        f"{meta['n_test']} held-out test digits, {meta['n_ood']} images per OOD set, T = {meta['samples']} passes, "
        f"measured on {meta['hardware']} (timings on a shared CPU are upper bounds). The commands are listed at "
        "the bottom of the page."
    )
    for name, why in meta.get("ood_skipped", {}).items():
        st.warning(f"OOD set '{name}' was skipped: {why}.", icon=":material/info:")
    rot, rel, ood, cost = st.tabs(["Rotation sweep", "Reliability (ECE)", "OOD detection (ROC)", "Cost"])
    with rot:
        rotation_tab(results, kinds)
    with rel:
        reliability_tab(results, kinds)
    with ood:
        ood_tab(results, kinds, sets)
    with cost:
        cost_tab(results, kinds, meta["hardware"])
    explanation_text()
    explain(results, kinds, sets)
    with st.expander("How these numbers were made"):
        st.markdown("Evaluation: " + ", ".join(f"`{c}`" for c in meta.get("commands", [meta["command"]])))
        if info is not None:
            rows = [
                {
                    "model": NAMES[k],
                    "command": v["command"],
                    "seed": v["seed"],
                    "seconds": v["seconds"],
                    "validation accuracy": f"{v['val_accuracy']:.1%}",
                    "hardware": v["hardware"],
                }
                for k, v in info.get("models", {}).items()
                if k in NAMES
            ]
            st.markdown("Training (seeded; the shipped checkpoints):")
            st.dataframe(rows, hide_index=True, width="stretch")
    with st.expander("Re-run the evaluation on this server"):
        st.write("Recomputes every figure above from the shipped checkpoints (about a minute or more on a small CPU).")
        if st.button("Re-run evaluation", key="rerun_eval"):
            with st.spinner("Evaluating four models on the test set and every OOD set…"):
                st.session_state["bayes_results"] = recompute_results()
            st.rerun()


main()
