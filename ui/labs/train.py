"""The training labs' panels: activations and vanishing gradients, batch norm, regularisation, bias and variance,
loss functions, and metric learning.

Each draws its shipped result (``demos/train/results/*.json``) at once without torch; a learner's change computes
live (torch imported lazily). A training runs in the background (:func:`ui.compute.start`, once a training slot
is free) while :func:`ui.compute.watch` draws its progress, live curves and Stop button; a finished run's result
is kept for the session. The training functions (``*_run``) only compute and never call Streamlit.
"""

from __future__ import annotations

import random
from functools import partial
from typing import Any

import streamlit as st

from demos.registry import Lab
from demos.train.records import read
from ui.compute import Progress, start, watch
from ui.labs.optim import _device, _live_losses, _provenance, device_label
from ui.labs.optim_view import curves_figure
from ui.labs.train_view import (
    METHOD_LABELS,
    acc_slider_figure,
    activation_figure,
    biasvar_curves_figure,
    biasvar_fit_figure,
    confidence_figure,
    embedding_figure,
    gradient_figure,
    regularisation_figure,
    temperature_figure,
    weight_hist_figure,
)
from ui.state import kept, recall, remember

CHART = {"displayModeBar": False}
# sizes of the live runs, as shipped (tests shrink them)
LIVE: dict[str, int] = {"bn_steps": 300, "reg_epochs": 30, "loss_steps": 300, "embed_steps": 600}

# ------------------------------------------------------------------------------------------------ activations


@st.cache_data(max_entries=64, show_spinner="Measuring gradients…")
def gradient_runs(depth: int, init: str, batch_norm: bool, residual: bool) -> dict[str, Any]:
    from demos.train.activations import DeepConfig, gradient_norms

    return {
        act: gradient_norms(
            DeepConfig(depth, act=act, init=init, batch_norm=batch_norm, residual=residual), 0, _device()
        )
        for act in ("sigmoid", "tanh", "relu")
    }


def activations_panel(lab: Lab, key: str) -> None:
    shipped = read("train", "gradients")
    st.plotly_chart(activation_figure(shipped["curves"]), key=f"{key}-acts", config=CHART)
    st.caption(
        "Sigmoid, tanh and ReLU (left) and their derivatives (right). The backward pass multiplies the gradient "
        "by the derivative at every layer: sigmoid's is never above 0.25, ReLU's is 1 wherever a unit is on."
    )
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
    depth = c1.slider("Hidden layers", 2, 50, **kept(f"{key}-depth", 20))
    init = c2.selectbox("Initialisation", ["default", "xavier", "he"], **kept(f"{key}-init", "xavier"))
    bn = c3.toggle("Batch norm", **kept(f"{key}-bn", False))
    res = c4.toggle("Skips", **kept(f"{key}-res", False))
    cfg = shipped["config"]
    default = (depth, init, bn, res) == (cfg["depth"], cfg["init"], cfg["batch_norm"], cfg["residual"])
    runs = shipped["runs"] if default else gradient_runs(depth, init, bn, res)
    st.plotly_chart(gradient_figure(runs), key=f"{key}-grads", config=CHART)
    where = _provenance(shipped) if default else f"computed just now on {device_label()}"
    st.caption(
        f"The size of the loss gradient at each layer's weights in a {depth}-layer MLP (64 units per layer) on one "
        "batch of 256 MNIST digits, before any training, on a log scale: a line that falls to the left means the "
        "first layers barely learn. 'default' is PyTorch's initialisation, 'xavier' keeps the variance for "
        f"sigmoid and tanh, 'he' for ReLU. {where}."
    )


# ------------------------------------------------------------------------------------------------ batch norm


def _bn_views(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    views = []
    for lr in sorted({r["lr"] for r in runs}):
        plain = next(r for r in runs if r["lr"] == lr and not r["batch_norm"])
        bn = next(r for r in runs if r["lr"] == lr and r["batch_norm"])

        def said(r: dict[str, Any]) -> str:
            if r["diverged"]:
                return "diverged"
            return f"90% at step {r['steps_to_target']}" if r["steps_to_target"] >= 0 else "never 90%"

        views.append(
            {
                "label": f"{lr:g}",
                "plain": (plain["eval_steps"], plain["test_acc"]),
                "bn": (bn["eval_steps"], bn["test_acc"]),
                "title": f"lr {lr:g}: without batch norm {said(plain)}; with it {said(bn)}",
            }
        )
    return views


def batchnorm_panel(lab: Lab, key: str) -> None:
    shipped = read("train", "batchnorm")
    area = st.container()
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    lr = c1.select_slider("Learning rate for a live run", [0.03, 0.1, 0.3, 1.0, 3.0], **kept(f"{key}-lr", 1.0))
    if c2.button("Train both live", icon=":material/play_arrow:", key=f"{key}-train"):
        start(
            f"{key}-job",
            "the batch-norm runs",
            partial(_bn_run, lr=float(lr), steps=LIVE["bn_steps"], device=_device()),
        )
    done = watch(f"{key}-job", show_partial=partial(_live_losses, key=f"{key}-live-partial"))
    if done is not None and done.state == "done":
        remember(f"{key}-live", {"runs": done.result, "device": device_label()})
    live = recall(f"{key}-live", None)
    runs = live["runs"] if live else shipped["runs"]
    views = _bn_views(runs)
    active = next((i for i, v in enumerate(views) if v["label"] == "1"), len(views) - 1)
    with area:
        st.plotly_chart(acc_slider_figure(views, active), key=f"{key}-bn", config=CHART)
        where = f"computed live on {live['device']}" if live else _provenance(shipped)
        st.caption(
            "Test accuracy while plain SGD trains an 8-layer ReLU MLP (64 units, He initialisation) on MNIST, with "
            "and without batch norm after every hidden layer, from the same weights on the same minibatches. The "
            f"slider picks the learning rate. {where}."
        )
    e = shipped["mode_effects"]
    c1, c2, c3 = st.columns(3)
    c1.metric("Eval mode", f"{e['acc_eval']:.1%}", help="running statistics")
    c2.metric("Train mode, mixed batches", f"{e['acc_train_mixed']:.1%}")
    c3.metric("Train mode, one class per batch", f"{e['acc_train_sorted']:.1%}")
    st.caption(
        "The batch-norm network trained at lr 1, classifying the 1,000 test digits in batches of 32. In train mode "
        "each layer normalises with the batch's own mean and variance, so a digit's output depends on its "
        f"batch-mates (one digit's logits moved by up to {e['train_mode_shift']:.2f} when they changed); a batch "
        "of one class has that class's mean subtracted away. Eval mode uses the running averages from training: "
        "the same output whatever the batch."
    )


def _bn_run(progress: Progress, *, lr: float, steps: int, device: Any) -> list[dict[str, Any]]:
    """The 8-layer MLP without and with batch norm at ``lr``, run in the background from the same weights and
    minibatches. Reports both smoothed losses so far; returns one record per network, as the shipped file has."""
    from demos.train.batchnorm import train_bn
    from demos.train.core import mnist

    progress(0.0, "Loading MNIST…")
    data = mnist(device=device)
    runs = []
    live: dict[str, list[float]] = {}
    for i, bn in enumerate((False, True)):
        name = f"{'with' if bn else 'without'} batch norm"

        def on_progress(done: int, total: int, curve: Any, i: int = i, name: str = name) -> None:
            live[name] = curve.smoothed()
            progress((i + done / total) / 2, f"{name}: step {done} of {total}", partial=dict(live))

        run, _model = train_bn(data, lr, bn, steps, device=device, on_progress=on_progress)
        runs.append({"lr": lr, "batch_norm": bn, "steps_to_target": run.steps_to_target, **run.curve.as_dict(every=3)})
    return runs


# ------------------------------------------------------------------------------------------------ regularisation


def regularisation_panel(lab: Lab, key: str) -> None:
    shipped = read("train", "regularise")
    area = st.container()
    methods = st.multiselect(
        "Methods to train live",
        list(METHOD_LABELS),
        format_func=lambda m: METHOD_LABELS[m],
        **kept(f"{key}-methods", list(METHOD_LABELS)),
    )
    if st.button("Train live", icon=":material/play_arrow:", key=f"{key}-train", disabled=not methods):
        run = partial(_reg_run, methods=list(methods), epochs=LIVE["reg_epochs"], device=_device())
        start(f"{key}-job", "the regularisation runs", run)
    done = watch(f"{key}-job", show_partial=partial(_live_losses, key=f"{key}-live-partial"))
    if done is not None and done.state == "done":
        remember(f"{key}-live", {"runs": done.result, "device": device_label()})
    live = recall(f"{key}-live", None)
    runs = live["runs"] if live else shipped["runs"]
    with area:
        _regularisation_figures(runs, live, shipped, key)


def _regularisation_figures(
    runs: list[dict[str, Any]], live: dict[str, Any] | None, shipped: dict[str, Any], key: str
) -> None:
    st.plotly_chart(regularisation_figure(runs), key=f"{key}-acc", config=CHART)
    where = f"computed live on {live['device']}" if live else _provenance(shipped)
    st.caption(
        "An MLP (784-256-256-10) trained for 30 epochs on 500 digits, a fifth of whose labels were swapped for a "
        "wrong one. Grey: accuracy on those training labels (100% means it memorised the wrong ones too); blue: "
        "accuracy on 1,000 test digits with true labels; the gap between them above each pair. L2: 0.01·Σw²/2, "
        f"L1: 0.0003·Σ|w|, dropout and DropConnect p = 0.5. {where}."
    )
    st.plotly_chart(weight_hist_figure(runs), key=f"{key}-hist", config=CHART)
    st.caption(
        "The 65,536 weights of the second layer after training, as a histogram (log counts): L1 drives most "
        "of them to zero, L2 only shrinks them; the legend gives the share below 0.001 in size."
    )


def _reg_run(progress: Progress, *, methods: list[str], epochs: int, device: Any) -> list[dict[str, Any]]:
    """Each method in turn on the noisy-label task, run in the background. Reports each method's smoothed loss
    so far; returns one record per method, as the shipped file has."""
    from dataclasses import asdict

    from demos.train.regularise import METHODS, task, train_regularised

    progress(0.0, "Loading MNIST…")
    data = task(device=device)
    runs = []
    live: dict[str, list[float]] = {}
    for i, m in enumerate(methods):

        def on_progress(done: int, total: int, curve: Any, i: int = i, m: str = m) -> None:
            live[METHOD_LABELS[m]] = curve.smoothed()
            progress(
                (i + done / total) / len(methods), f"{METHOD_LABELS[m]}: step {done} of {total}", partial=dict(live)
            )

        r = train_regularised(data, METHODS[m], epochs, device=device, on_progress=on_progress)
        runs.append({**asdict(r), "gap": r.gap})
    return runs


# ------------------------------------------------------------------------------------------------ bias-variance


@st.cache_data(max_entries=16, show_spinner="Fitting 3,200 polynomials…")
def biasvar_sweep(seed: int) -> dict[str, Any]:
    from dataclasses import asdict

    from demos.train.biasvar import sweep

    return asdict(sweep(seed=seed))


def biasvar_panel(lab: Lab, key: str) -> None:
    if st.button("New training sets", icon=":material/casino:", key=f"{key}-new"):
        remember(f"{key}-seed", random.SystemRandom().randrange(1_000_000))
    seed = recall(f"{key}-seed", None)
    data = read("train", "biasvar") if seed is None else biasvar_sweep(seed)
    active = data["degrees"].index(3)
    st.plotly_chart(biasvar_fit_figure(data, active), key=f"{key}-fit", config=CHART)
    st.caption(
        "The curve to learn (black), 20 noisy samples of it (red), and the least-squares polynomials fitted to five "
        "independent such training sets (blue). Drag the degree: low degrees miss the shape in the same way every "
        "time (bias), high degrees follow each set's noise and disagree with each other (variance)."
    )
    st.plotly_chart(biasvar_curves_figure(data), key=f"{key}-curves", config=CHART)
    where = _provenance(data) if seed is None else "computed just now (numpy)"
    st.caption(
        "Averages over 200 training sets: training error keeps falling with capacity; test error (on 2,000 fresh "
        "points) is U-shaped; bias² (how far the average fit is from the truth) falls and variance (how much fits "
        f"scatter between sets) rises; bias² + variance + noise is the test error. {where}."
    )


# ------------------------------------------------------------------------------------------------ losses


def losses_panel(lab: Lab, key: str) -> None:
    shipped = read("train", "losses")
    grad_tab, train_tab, softmax_tab, svm_tab = st.tabs(["Confident mistakes", "Training", "Softmax & NLL", "SVM head"])
    with grad_tab:
        st.plotly_chart(confidence_figure(shipped["confidence"]), key=f"{key}-conf", config=CHART)
        st.caption(
            "One example with ten classes whose logits are all 0 except one wrong class, raised step by step: the "
            "further left, the more confidently wrong. Cross-entropy's gradient on the logits (p − y) grows to its "
            "largest; MSE between the softmax and the one-hot label passes through the softmax's Jacobian, which "
            "flattens out, so its gradient vanishes exactly when the mistake is worst."
        )
    with train_tab:
        area = st.container()
        if st.button("Train live", icon=":material/play_arrow:", key=f"{key}-train"):
            start(
                f"{key}-job", "the loss-function runs", partial(_losses_run, steps=LIVE["loss_steps"], device=_device())
            )
        done = watch(f"{key}-job", show_partial=partial(_live_losses, key=f"{key}-live-partial"))
        if done is not None and done.state == "done":
            remember(f"{key}-live", {"runs": done.result, "device": device_label()})
        live = recall(f"{key}-live", None)
        runs = live["runs"] if live else shipped["runs"]
        names = {
            f"{r['loss']}@{r['lr']:g}": f"{'cross-entropy' if r['loss'] == 'cross_entropy' else 'MSE'}, lr {r['lr']:g}"
            for r in runs
        }
        fig = curves_figure(
            {f"{r['loss']}@{r['lr']:g}": r["test_acc"] for r in runs},
            x=runs[0]["eval_steps"],
            y_title="test accuracy",
            names=names,
            height=300,
            colours={k: c for k, c in zip(names, ["#2563EB", "#DC2626", "#F59E0B"], strict=False)},
        )
        where = f"computed live on {live['device']}" if live else _provenance(shipped)
        with area:
            st.plotly_chart(fig, key=f"{key}-train-fig", config=CHART)
            st.caption(
                "The same MLP and minibatches trained by SGD with cross-entropy or with MSE on the softmax outputs; "
                f"test accuracy every 10 steps. At lr 0.3 MSE hardly moves; it needs a rate ~30 times larger. {where}."
            )
    with softmax_tab:
        from demos.train.losses import temperature_table

        z = [2.0, 1.0, 0.5, 0.1, -0.3, -1.0, 0.0, 0.7, -2.0, 1.5]
        temps = [0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0]
        st.plotly_chart(
            temperature_figure(temperature_table(z, temps), temps.index(1.0), [str(i) for i in range(10)]),
            key=f"{key}-temp",
            config=CHART,
        )
        n = shipped["nll"]
        st.caption(
            f"Softmax of the fixed logits {z} divided by a temperature: low temperatures put everything on the "
            "largest logit, high ones spread it evenly. NLL on log-softmax against cross-entropy on the logits, on "
            f"{n['examples']:,} random examples: largest difference {n['max_abs_diff_nll_ce']:.1e} (and "
            f"{n['max_abs_diff_by_hand']:.1e} against −log softmax written out): they are the same loss."
        )
    with svm_tab:
        h = shipped["heads"]
        c1, c2, c3 = st.columns(3)
        c1.metric("Softmax head", f"{h['softmax']:.1%}")
        c2.metric("SVM head (hinge)", f"{h['svm']:.1%}")
        c3.metric("scikit-learn LinearSVC", f"{h['sklearn_linear_svc']:.1%}")
        st.caption(
            "Linear heads on the same features (the 784 pixels of 4,000 training digits), test accuracy on 1,000: a "
            "softmax with cross-entropy, a multi-class hinge (torch's multi_margin_loss plus the soft-margin "
            f"penalty, C = 0.01), and scikit-learn's LinearSVC at the same C as the reference. {_provenance(shipped)}."
        )


LOSS_PLAN = (("cross_entropy", 0.3), ("mse", 0.3), ("mse", 10.0))


def _losses_run(progress: Progress, *, steps: int, device: Any) -> list[dict[str, Any]]:
    """Cross-entropy and MSE (at two rates) in turn on the same MLP and minibatches, run in the background.
    Reports each run's smoothed loss so far; returns one record per run, as the shipped file has."""
    from dataclasses import asdict

    from demos.train.losses import train_with_loss

    runs = []
    live: dict[str, list[float]] = {}
    for i, (loss, lr) in enumerate(LOSS_PLAN):
        name = f"{'cross-entropy' if loss == 'cross_entropy' else 'MSE'}, lr {lr:g}"

        def on_progress(done: int, total: int, curve: Any, i: int = i, name: str = name) -> None:
            live[name] = curve.smoothed()
            progress((i + done / total) / len(LOSS_PLAN), f"{name}: step {done} of {total}", partial=dict(live))

        progress(i / len(LOSS_PLAN), f"{name}: starting")
        runs.append(asdict(train_with_loss(loss, lr, steps, device=device, on_progress=on_progress)))
    return runs


# ------------------------------------------------------------------------------------------------ embeddings


def embeddings_panel(lab: Lab, key: str) -> None:
    shipped = read("train", "embed")
    loss = (
        st.segmented_control("Loss", ["contrastive", "triplet"], **kept(f"{key}-loss", "contrastive")) or "contrastive"
    )
    area = st.container()
    if st.button("Train live", icon=":material/play_arrow:", key=f"{key}-train"):
        start(
            f"{key}-job",
            f"the {loss} embedding",
            partial(_embed_run, loss=loss, steps=LIVE["embed_steps"], device=_device()),
        )
    done = watch(f"{key}-job", show_partial=partial(_live_embedding, key=f"{key}-live-chart"))
    if done is not None and done.state == "done":
        remember(f"{key}-live-{done.result['loss']}", {**done.result, "device": device_label()})
    live = recall(f"{key}-live-{loss}", None)
    run = live or shipped["runs"][loss]
    labels = live["labels"] if live else shipped["labels"]
    where = f"trained live on {live['device']}" if live else _provenance(shipped)
    with area:
        st.plotly_chart(embedding_figure(run["snapshots"], labels), key=f"{key}-emb", config=CHART)
        st.caption(
            f"500 test digits placed in the plane by a small network (784-256-64-2) trained with the {loss} loss "
            f"for {run['snapshots'][-1]['step']} steps; ▶ Play replays training from the untrained network. "
            "recall@1: how often a test digit's nearest other test digit in this plane has the same class (1,000 "
            f"digits; 10% by chance). {where}."
        )


def _live_embedding(snapshot: dict[str, Any], key: str) -> None:
    """The embedding's latest snapshot while it trains."""
    st.plotly_chart(embedding_figure([snapshot["snapshot"]], snapshot["labels"], height=360), key=key, config=CHART)
    st.caption("The test digits where the network puts them now, redrawn as it trains.")


def _embed_run(progress: Progress, *, loss: str, steps: int, device: Any) -> dict[str, Any]:
    """Train the 2-D embedding with ``loss``, run in the background. Reports recall@1 and the latest snapshot of
    the shown test digits; returns every snapshot, their labels and the final recall@1."""
    from demos.train.core import mnist
    from demos.train.embed import shown_index, train_embedding

    progress(0.0, "Loading MNIST…")
    data = mnist(device=device)
    labels = data.y_test[shown_index(len(data.y_test), 500)].tolist()

    def on_snapshot(step: int, total: int, run: Any) -> None:
        text = f"step {step} of {total}: recall@1 {run.recall:.1%}"
        progress(step / total, text, partial={"snapshot": run.snapshots[-1], "labels": labels})

    run, _ = train_embedding(
        data, loss, steps, device=device, snapshot_every=max(steps // 12, 1), on_snapshot=on_snapshot
    )
    return {"loss": loss, "snapshots": run.snapshots, "labels": labels, "recall": run.recall}
