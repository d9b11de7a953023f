"""Panels of the generative labs: PCA / autoencoders / VAE, latent interpolation, a 2-D GAN, a DCGAN.

Each draws its shipped result (``demos/gen/results/<lab>.json``) at once, without torch; the learner's first
interaction that needs a model loads it (cached) and computes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from demos.claims import shipped as shipped_record
from demos.registry import Lab
from ui.compute import Progress
from ui.labs.seg_view import record_hardware
from ui.labs.seqgen import (
    COLOURS,
    DIGIT_COLOURS,
    FIG,
    device,
    device_label,
    digits_figure,
    live_result,
    shipped,
    small_layout,
    start_live,
    unpack_images,
)
from ui.state import kept, recall, remember

# ------------------------------------------------------------------------------------------------ autoencoders


def _latent_map(points: list[list[float]], labels: list[int], title: str) -> go.Figure:
    xy = np.asarray(points)
    lab = np.asarray(labels)
    fig = go.Figure()
    for d in range(10):
        sel = lab == d
        fig.add_scattergl(
            x=xy[sel, 0],
            y=xy[sel, 1],
            mode="markers",
            name=str(d),
            marker={"size": 4, "color": DIGIT_COLOURS[d]},
            hovertemplate=f"digit {d}<extra></extra>",
        )
    fig.update_xaxes(showticklabels=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, zeroline=False)
    return small_layout(fig, title, height=230, showlegend=False)


def _digit_key() -> go.Figure:
    """The latent maps' colour key: one square per digit 0-9 in its map colour."""
    fig = go.Figure(
        go.Scatter(
            x=list(range(10)),
            y=[0] * 10,
            mode="markers+text",
            marker={"symbol": "square", "size": 16, "color": list(DIGIT_COLOURS[:10])},
            text=[str(d) for d in range(10)],
            textposition="middle right",
            textfont={"size": 13},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.update_xaxes(visible=False, range=[-0.5, 10])
    fig.update_yaxes(visible=False, range=[-1, 1])
    return small_layout(fig, None, height=44).update_layout(
        margin={"l": 70, "r": 10, "t": 4, "b": 4},
        annotations=[
            {"text": "digit:", "x": 0, "xref": "paper", "xanchor": "right", "xshift": -8, "y": 0, "showarrow": False}
        ],
    )


@st.cache_resource(show_spinner=False)
def _latent_maps() -> dict[str, go.Figure]:
    """The shipped 2-D maps of every method, built once per server (they do not change with the latent size)."""
    data = shipped("gen", "autoencoders")
    return {m: _latent_map(data["maps"][m], data["map_labels"], data["names"][m]) for m in data["methods"]}


@st.cache_resource(show_spinner=False)
def _reconstructions(latent: int) -> go.Figure:
    """Held-out digits and every method's shipped reconstructions at ``latent``, built once per server."""
    data = shipped("gen", "autoencoders")
    names, methods, n = data["names"], data["methods"], data["shown"]
    originals = unpack_images(data["originals"], n)
    recon = unpack_images(data["reconstructions"][str(latent)], n * len(methods))
    rows = [list(originals)] + [list(recon[i * n : (i + 1) * n]) for i in range(len(methods))]
    return digits_figure(rows, ["original"] + [names[m] for m in methods], height=260)


def autoencoders_panel(lab: Lab, key: str) -> None:
    data = shipped("gen", "autoencoders")
    names: dict[str, str] = data["names"]
    methods: list[str] = data["methods"]
    latents: list[int] = data["latents"]
    latent = st.segmented_control("Latent size", latents, **kept(f"{key}-latent", 8)) or 8
    left, right = st.columns([3, 2])
    fig = go.Figure()
    for m in methods:
        fig.add_scatter(
            x=latents,
            y=[data["errors"][m][str(k)]["test"] for k in latents],
            name=names[m],
            mode="lines+markers",
            line={"color": COLOURS[m], "dash": "dot" if m == "linear" else None},
        )
    fig.add_vline(x=latent, line_color="#CCC")
    fig.update_xaxes(type="log", tickvals=latents, title="latent size")
    fig.update_yaxes(title="held-out error (MSE per pixel)")
    left.plotly_chart(small_layout(fig, "Reconstruction error", height=300), key=f"{key}-err", config=FIG)
    e = {m: data["errors"][m][str(latent)] for m in methods}
    left.caption(
        f"Mean squared error per pixel on {data['test_digits']:,} held-out digits. At size {latent}, on the "
        f"training digits: PCA {e['pca']['train']:.5f}, linear autoencoder {e['linear']['train']:.5f} — the dotted "
        "line lies on PCA's, because PCA is the best any linear map can do."
    )
    hist = data["elbo"][str(latent)]
    efig = go.Figure()
    epochs = list(range(1, len(hist) + 1))
    efig.add_scatter(x=epochs, y=[h["recon"] for h in hist], name="reconstruction (nats)", line={"color": "#29335C"})
    efig.add_scatter(
        x=epochs, y=[h["kl"] for h in hist], name="KL to the prior (nats)", line={"color": "#E4572E"}, yaxis="y2"
    )
    efig.update_layout(yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "title": "KL"})
    efig.update_xaxes(title="epoch")
    efig.update_layout(yaxis_title="reconstruction")
    right.plotly_chart(
        small_layout(efig, f"The VAE's ELBO, latent size {latent}", height=300), key=f"{key}-elbo", config=FIG
    )
    right.caption("Negative ELBO = reconstruction + KL, per image, averaged over each training epoch.")
    pic, text = st.columns([3, 2], vertical_alignment="center")
    pic.plotly_chart(_reconstructions(latent), key=f"{key}-rec", config=FIG)
    text.caption(
        f"Held-out digits and their reconstructions from a code of {latent} numbers. PCA and the linear "
        "autoencoder blur alike; the non-linear models keep more of each stroke."
    )
    cols = st.columns(4)
    maps = _latent_maps()
    for col, m in zip(cols, methods, strict=True):
        col.plotly_chart(maps[m], key=f"{key}-map-{m}", config=FIG)
    st.plotly_chart(_digit_key(), key=f"{key}-digits", config=FIG)
    st.caption(
        f"The 2-D codes of {len(data['map_labels'])} held-out digits, coloured by digit (key under the maps; "
        "never shown to the models). PCA and the linear autoencoder give the same map up to rotation and scale; "
        "the VAE packs its codes around the origin, where its prior puts them."
    )
    _vae_live(key, latent)


LIVE_VAE_EPOCHS = 8


def _vae_live(key: str, latent: int) -> None:
    if st.button(
        f"Train a VAE live (latent size {latent}, {LIVE_VAE_EPOCHS} epochs)",
        key=f"{key}-train",
        icon=":material/play_arrow:",
    ):
        start_live(key, "a VAE", _vae_job(latent))
    result = live_result(key)
    if result:
        fig = go.Figure()
        epochs = list(range(1, len(result["history"]) + 1))
        fig.add_scatter(
            x=epochs, y=[h["recon"] for h in result["history"]], name="reconstruction", line={"color": "#29335C"}
        )
        fig.add_scatter(
            x=epochs, y=[h["kl"] for h in result["history"]], name="KL", line={"color": "#E4572E"}, yaxis="y2"
        )
        fig.update_layout(
            yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "title": "KL"},
            yaxis_title="reconstruction",
            xaxis_title="epoch",
        )
        st.plotly_chart(small_layout(fig, "Your live VAE", height=240), key=f"{key}-livefig", config=FIG)
        st.caption(
            f"Latent size {result['latent']}, {len(result['history'])} epochs in {result['seconds']:.0f} s on "
            f"{result['device']}: held-out error {result['error']:.4f} (shipped VAE, 30 epochs: "
            f"{shipped('gen', 'autoencoders')['errors']['vae'][str(result['latent'])]['test']:.4f})."
        )


def _vae_job(latent: int) -> Callable[[Progress], dict[str, Any]]:
    """The live run: a VAE for :data:`LIVE_VAE_EPOCHS` epochs (digits and device read here)."""
    from demos.gen import autoencoders as ae
    from demos.gen.data import mnist_split

    dev, where = device(), device_label()
    train, test = mnist_split()
    config = ae.AEConfig(kind="vae", latent=latent, epochs=LIVE_VAE_EPOCHS, seed=random.randrange(1000))

    def job(progress: Progress) -> dict[str, Any]:
        t0 = time.perf_counter()
        run = ae.train_autoencoder(
            train.flat,
            config,
            dev,
            on_epoch=lambda e, h: progress(e / LIVE_VAE_EPOCHS, f"epoch {e}: recon {h['recon']:.1f}, KL {h['kl']:.1f}"),
        )
        return {
            "latent": latent,
            "history": run.history,
            "error": ae.reconstruction_error(run.model, test.flat),
            "seconds": time.perf_counter() - t0,
            "device": where,
        }

    return job


# ------------------------------------------------------------------------------------------------ interpolation


@st.cache_resource(show_spinner="Loading the autoencoders and the classifier…")
def _interp_models() -> Any:
    from demos.gen.panels import autoencoders, classifier

    return autoencoders(device()), classifier(device())


@st.cache_resource(show_spinner=False)
def _typical_digits() -> list[int]:
    """The held-out image each path starts or ends on, per digit (found once per server)."""
    from demos.gen.panels import examples

    models, judge = _interp_models()
    return examples(judge, models)


@st.cache_data(max_entries=100, show_spinner=False)
def _paths(a: int, b: int) -> dict[str, Any]:
    from demos.gen.panels import paths_for

    models, judge = _interp_models()
    return paths_for(a, b, models, judge, _typical_digits())


def interpolation_panel(lab: Lab, key: str) -> None:
    data = shipped("gen", "interpolation")
    maps = shipped("gen", "autoencoders")
    default = data["default"]["digits"]
    c1, c2, c3 = st.columns([2, 2, 3])
    a = c1.selectbox("From digit", list(range(10)), **kept(f"{key}-a", default[0]))
    b = c2.selectbox("To digit", list(range(10)), **kept(f"{key}-b", default[1]))
    latent = c3.segmented_control("Latent size", data["latents"], **kept(f"{key}-latent", 8)) or 8
    a = default[0] if a is None else a
    b = default[1] if b is None else b
    if [a, b] == default:
        paths, where = data["default"], "shipped"
    else:
        paths, where = _paths(a, b), f"computed on {device_label()}"
    steps = data["steps"]
    kinds = {"mlp": "Autoencoder", "vae": "VAE", "pixel": "Pixel cross-fade"}
    at = paths[str(latent)]
    rows = [list(unpack_images(at[k]["images"], steps)) for k in kinds]
    labels = [f"{name} ({at[k]['inner_mean']:.2f})" for k, name in kinds.items()]
    st.plotly_chart(
        digits_figure(rows, labels, [f"{t:.2f}" for t in np.linspace(0, 1, steps)], height=230),
        key=f"{key}-strip",
        config=FIG,
    )
    st.caption(
        f"From a held-out {a} to a held-out {b} (for each digit, the one the classifier recognises best, also "
        f"through the 8-number models) in {steps} steps, through the {latent}-number codes of the autoencoder "
        f"and the VAE, and as a plain cross-fade of pixels ({where}). In brackets: the classifier's mean "
        "confidence over the inner steps."
    )
    left, right = st.columns(2)
    fig = go.Figure()
    for k, name in kinds.items():
        fig.add_scatter(
            y=at[k]["confidence"],
            x=list(np.linspace(0, 1, steps)),
            name=name,
            mode="lines+markers",
            line={"color": COLOURS[k]},
        )
    fig.update_yaxes(title="classifier's top probability", range=[0, 1.05])
    fig.update_xaxes(title="position along the path")
    left.plotly_chart(small_layout(fig, "Does it look like a digit?", height=300), key=f"{key}-conf", config=FIG)
    left.caption(f"The family's own CNN ({data['classifier_test_accuracy']:.1%} on held-out digits) judges every step.")
    kind = (
        right.segmented_control(
            "Latent map", ["mlp", "vae"], format_func=lambda k: kinds[k], **kept(f"{key}-map", "vae")
        )
        or "vae"
    )
    mfig = _latent_map(maps["maps"][kind], maps["map_labels"], f"{kinds[kind]}: the path in its 2-D space")
    codes = np.asarray(paths["2"][kind]["codes"])
    mfig.add_scatter(
        x=codes[:, 0], y=codes[:, 1], mode="lines+markers", line={"color": "black", "width": 2}, marker={"size": 6}
    )
    right.plotly_chart(mfig, key=f"{key}-pathmap", config=FIG)
    right.plotly_chart(_digit_key(), key=f"{key}-digits", config=FIG)
    right.caption(
        "The same two digits' straight path (black) in the 2-D model, over the codes of 600 held-out digits "
        "coloured "
        "by digit (key above): where it "
        "crosses empty space, the decoder was never trained."
    )
    o = data["overall"]
    st.caption(
        f"Over {data['pairs']} random pairs of different held-out digits, mean inner-step confidence: with 2 "
        f"numbers, autoencoder {o['2']['mlp']['inner_mean']:.3f} and VAE {o['2']['vae']['inner_mean']:.3f}; with 8, "
        f"{o['8']['mlp']['inner_mean']:.3f} and {o['8']['vae']['inner_mean']:.3f}; pixel cross-fade "
        f"{o['2']['pixel']['inner_mean']:.3f}. The cross-fade scores highest: a classifier trained only on real "
        "digits names an overlay of two digits confidently, so its confidence is a loose judge of realism. Both "
        f"ends are recognised as the chosen digits in {o['8']['vae']['endpoints_right']:.0%} of the 8-D VAE's "
        f"paths and {o['2']['vae']['endpoints_right']:.0%} of the 2-D VAE's."
    )


# ------------------------------------------------------------------------------------------------ 2-D GAN


def _gan_figure(target: dict[str, Any], frames: list[dict[str, Any]], extent: float, std: float) -> go.Figure:
    axis = list(np.linspace(-extent, extent, len(frames[0]["verdict"])))
    centres = np.asarray(target["centres"])

    def traces(f: dict[str, Any]) -> list[go.BaseTraceType]:
        pts = np.asarray(f["points"])
        return [
            go.Heatmap(
                x=axis,
                y=axis,
                z=f["verdict"],
                colorscale="RdBu",
                zmin=0,
                zmax=1,
                opacity=0.55,
                showscale=True,
                colorbar={"title": {"text": "D(x)", "side": "right"}, "thickness": 12, "len": 0.8, "x": 1.02},
                hovertemplate="D(x) = %{z:.2f}<extra></extra>",
            ),
            go.Scatter(
                x=centres[:, 0],
                y=centres[:, 1],
                mode="markers",
                name="real modes",
                marker={"symbol": "circle-open", "size": 16, "color": "#2ca02c", "line": {"width": 2}},
            ),
            go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name="generated", marker={"size": 3, "color": "#222"}),
        ]

    def title(f: dict[str, Any]) -> str:
        covered = f"<b>{f['covered']} of {len(centres)}</b> modes covered"
        return f"step {f['step']}: {covered} · {f['on_mode']:.0%} of points on a mode"

    last = frames[-1]
    fig = go.Figure(
        data=traces(last),
        frames=[go.Frame(data=traces(f), name=str(f["step"]), layout={"title": {"text": title(f)}}) for f in frames],
    )
    fig.update_layout(
        sliders=[
            {
                "active": len(frames) - 1,
                "currentvalue": {"prefix": "step "},
                "pad": {"t": 55},
                "steps": [
                    {
                        "label": str(f["step"]),
                        "method": "animate",
                        "args": [
                            [str(f["step"])],
                            {
                                "mode": "immediate",
                                "frame": {"duration": 0, "redraw": True},
                                "transition": {"duration": 0},
                            },
                        ],
                    }
                    for f in frames
                ],
            }
        ],
        title={"text": title(last), "font": {"size": 14}},
        height=500,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": -0.12, "x": 0.5, "xanchor": "center", "yanchor": "top"},
        plot_bgcolor="white",
    )
    view = [-3.5, 3.5]  # the modes lie within +-2.2; the discriminator's map covers +-extent
    fig.update_xaxes(
        range=view, showgrid=False, zeroline=False, constrain="domain", showticklabels=True, ticks="outside"
    )
    fig.update_yaxes(range=view, showgrid=False, zeroline=False, scaleanchor="x", constrain="domain")
    return fig


@st.cache_resource(show_spinner=False)
def _shipped_gan_figure(target: str) -> go.Figure:
    """The shipped run's replay on ``target``, built once per server."""
    data = shipped("gen", "gan2d")
    return _gan_figure(data["targets"][target], data["targets"][target]["frames"], data["extent"], data["std"])


def gan2d_panel(lab: Lab, key: str) -> None:
    data = shipped("gen", "gan2d")
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    target = (
        c1.segmented_control(
            "Real data",
            ["ring", "grid"],
            format_func=lambda t: {"ring": "Ring of 8", "grid": "Grid of 3 × 3"}[t],
            **kept(f"{key}-target", "ring"),
        )
        or "ring"
    )
    if c2.button("Train live with a new seed", key=f"{key}-train", icon=":material/play_arrow:"):
        start_live(key, f"a 2-D GAN on the {target}", _gan2d_job(target))
    done = live_result(key)
    if done is not None:
        remember(f"{key}-run-{done['target']}", done)
    mine = recall(f"{key}-run-{target}")
    fig = (
        _gan_figure(data["targets"][target], mine["frames"], data["extent"], data["std"])
        if mine
        else _shipped_gan_figure(target)
    )
    st.plotly_chart(fig, key=f"{key}-fig-{target}", config=FIG)
    where = (
        f"your run, seed {mine['seed']}, {mine['seconds']:.0f} s on {mine['device']}"
        if mine
        else f"shipped run, seed 0, {data['seconds'][target]:.0f} s on a "
        f"{record_hardware(shipped_record('gen'))} shared with other work"
    )
    st.caption(
        f"Black: 400 generated points; green circles: the real modes (σ = {data['std']}); background: the "
        "discriminator's probability D(x) that a point is real (colour bar: blue high, red low). Drag the slider "
        f"under the figure to replay training ({where}). A mode counts as covered when "
        f"{data['cover_share']:.0%} of the points lie within 3σ of it."
    )
    seeds = data["seeds"]
    st.caption(
        "Shipped seeds 0, 1, 2 — modes covered: ring "
        + ", ".join(str(seeds[f"ring-{s}"]["covered"]) for s in (0, 1, 2))
        + " of 8; grid "
        + ", ".join(str(seeds[f"grid-{s}"]["covered"]) for s in (0, 1, 2))
        + " of 9. On the grid the generator collapses onto a few modes and lands most of its points there."
    )


def _gan2d_job(target: str) -> Callable[[Progress], dict[str, Any]]:
    """The live run: a 2-D GAN on ``target`` with a new seed (device read here)."""
    from dataclasses import asdict, replace

    from demos.gen import gan2d
    from demos.gen.panels import GAN2D

    dev, where = device(), device_label()
    seed = random.SystemRandom().randrange(1000)
    config = replace(GAN2D, target=target, seed=seed)  # type: ignore[arg-type]

    def job(progress: Progress) -> dict[str, Any]:
        t0 = time.perf_counter()
        run = gan2d.train_gan2d(
            config,
            dev,
            on_step=lambda s, shot: progress(s / config.steps, f"step {s}: {shot.covered} modes covered"),
        )
        return {
            "frames": [asdict(s) for s in run.snapshots],
            "target": target,
            "seed": seed,
            "seconds": time.perf_counter() - t0,
            "device": where,
        }

    return job


# ------------------------------------------------------------------------------------------------ DCGAN


@st.cache_resource(show_spinner="Loading the DCGAN and the classifier…")
def _dcgan_models() -> Any:
    from demos.gen.panels import classifier, dcgan_generator

    return dcgan_generator(device()), classifier(device())


@st.cache_data(max_entries=32, show_spinner=False)
def _dcgan_samples(seed: int) -> dict[str, Any]:
    from dataclasses import asdict

    from demos.gen import dcgan
    from demos.gen.panels import pack

    g_net, judge = _dcgan_models()
    images = dcgan.sample(g_net, 500, seed)  # (500, 1, 28, 28): the first 40 are shown, all 500 judged
    return {"samples": pack(images[:40]), "quality": asdict(dcgan.quality(judge, images))}


def _grid_rows(images: np.ndarray, columns: int) -> list[list[Any]]:
    return [list(images[i : i + columns]) for i in range(0, len(images), columns)]


def dcgan_panel(lab: Lab, key: str) -> None:
    data = shipped("gen", "dcgan")
    q = data["quality"]
    seed = recall(f"{key}-seed")
    if st.button("New samples", key=f"{key}-new", icon=":material/casino:"):
        seed = random.SystemRandom().randrange(1_000_000)
        remember(f"{key}-seed", seed)
    if seed is None:
        samples, gan_q, where = data["samples"], q["dcgan"], "shipped"
    else:
        got = _dcgan_samples(seed)
        samples, gan_q, where = got["samples"], got["quality"], f"computed on {device_label()}"
    left, right = st.columns(2)
    left.plotly_chart(
        digits_figure(_grid_rows(unpack_images(samples, 40), 8), [""] * 5, height=300), key=f"{key}-gan", config=FIG
    )
    left.caption(
        f"DCGAN samples ({where}): {gan_q['classes_covered']} of 10 classes, mean confidence "
        f"{gan_q['mean_confidence']:.2f}, {gan_q['confident_share']:.0%} judged with ≥ 90 % confidence."
    )
    right.plotly_chart(
        digits_figure(_grid_rows(unpack_images(data["vae_samples"], 40), 8), [""] * 5, height=300),
        key=f"{key}-vae",
        config=FIG,
    )
    right.caption(
        f"The 8-D VAE's samples from its prior: {q['vae']['classes_covered']} classes, mean confidence "
        f"{q['vae']['mean_confidence']:.2f}, {q['vae']['confident_share']:.0%} at ≥ 90 %. Real held-out digits: "
        f"{q['real']['mean_confidence']:.2f} and {q['real']['confident_share']:.0%}."
    )
    shares = go.Figure()
    for name, qq, colour in (("DCGAN", gan_q, "#A23B72"), ("VAE", q["vae"], "#17BEBB"), ("real", q["real"], "#BBB")):
        shares.add_bar(x=[str(d) for d in range(10)], y=qq["class_shares"], name=name, marker_color=colour)
    shares.update_yaxes(title="share of samples", tickformat=".0%")
    shares.update_xaxes(title="digit the classifier sees", dtick=1)
    st.plotly_chart(small_layout(shares, "Which digits come out", height=260), key=f"{key}-shares", config=FIG)
    st.caption(
        "Class shares of 1,000 samples by the family's classifier: a collapsed generator would pile up on a few "
        f"digits. Entropy: DCGAN {gan_q['class_entropy_bits']:.2f} bits, VAE {q['vae']['class_entropy_bits']:.2f}, "
        f"real {q['real']['class_entropy_bits']:.2f} (even: 3.32)."
    )
    st.plotly_chart(
        digits_figure([list(unpack_images(data["interpolation"], 10))], ["z₁ → z₂"], height=120),
        key=f"{key}-interp",
        config=FIG,
    )
    st.caption("A straight line between two noise vectors, decoded by the generator: one digit turns into another.")
    pyramid = data["pyramid"]
    rows = [list(unpack_images(pyramid[size], 6)) for size in ("7", "14", "28")]
    pic, text = st.columns([3, 2], vertical_alignment="center")
    pic.plotly_chart(digits_figure(rows, ["7 × 7", "14 × 14", "28 × 28"], height=230), key=f"{key}-pyramid", config=FIG)
    text.caption(
        "Six samples seen at three scales of an image pyramid. A multiscale GAN such as LAPGAN generates the "
        "7 × 7 level first, then one GAN per level adds the detail the next level needs; this DCGAN draws all "
        "scales at once (its layers go 7 → 14 → 28). A LAPGAN is not trained here."
    )
    st.caption(f"VAE-GAN: {data['vae_gan']}. Shipped by `{data['command']}` ({data['seconds']:.0f} s).")
