"""The video labs' panels: optical flow, background subtraction, actions from motion, dense trajectories.

Each draws its shipped clip at once from ``demos/video/results/panel_<name>.json`` (no torch, no OpenCV); the
slider under a figure steps through frames in the browser. "Another clip" computes a new one (OpenCV, and
torch for the action models) and keeps it for the session.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import streamlit as st

from demos.registry import Lab
from ui.state import kept, recall, remember
from ui.video_view import Overlay, Step, bar_figure, direction_key, picture_grid, polylines, segments

RESULTS = Path(__file__).resolve().parents[2] / "demos" / "video" / "results"
LK_COLOUR = "#F97316"  # orange: stands out on the pale-cyan texture and the magenta moved pixels
START_COLOUR = "#FACC15"  # yellow: stands out on the purple shapes and the grey texture
SIFT_SLACK_PX = 2.0
# the flow pictures' hue for each of the 8 direction bins (right, down-right, ... up-right; image y points down)
DIRECTION_COLOURS = (
    "#E00000",
    "#E08A00",
    "#7FD000",
    "#00B52E",
    "#00B8C4",
    "#0050E0",
    "#7A00E0",
    "#E000B0",
)  # a drawn SIFT match may be this much longer than the pair's largest true motion
ACTIONS = ("left", "right", "up", "down", "grow", "shrink", "turn-cw", "turn-ccw")
MODEL_NAMES = {
    "single-frame": "Single frame",
    "early-fusion": "Early fusion",
    "late-fusion": "Late fusion",
    "slow-fusion": "Slow fusion",
    "c3d": "C3D (3-D conv)",
    "two-stream": "Two-stream",
    "cnn-lstm": "CNN + LSTM",
    "conv-gru": "ConvGRU",
    "multires": "Fovea + context",
    "hof-svm": "Flow histograms + SVM",
}


@st.cache_data(show_spinner=False)
def shipped(name: str) -> dict[str, Any]:
    return json.loads((RESULTS / f"panel_{name}.json").read_text())


def _new_seed(key: str) -> None:
    remember(f"{key}-seed", random.SystemRandom().randrange(1_000, 1_000_000))


# ------------------------------------------------------------------------------------------------ optical flow


@st.cache_data(max_entries=16, show_spinner="Rendering a clip and running Farnebäck, Lucas-Kanade and SIFT…")
def flow_clip(seed: int, pan: float) -> dict[str, Any]:
    from demos.video.flow_lab import clip_view

    return clip_view(seed, pan=pan)


@st.cache_data(max_entries=8, show_spinner="Warping the photo and running every method…")
def flow_photo(name: str) -> dict[str, Any]:
    from demos.video.flow_lab import photo_view

    return photo_view(name, side=96, steps=4)


def flow_steps(view: dict[str, Any], side: float) -> list[Step]:
    """One slider step per frame pair: moved pixels with LK tracks, Farnebäck, the truth, SIFT matches."""
    out = []
    for i, s in enumerate(view["steps"]):
        lk, sift = s["lk"], s["sift"]
        shift = 0.5  # OpenCV puts pixel centres at integers, the figure at +0.5
        lx, ly = segments(*[[v + shift for v in lk[k]] for k in ("x0", "y0", "x1", "y1")])
        # a SIFT match longer than the largest true motion plus SIFT_SLACK_PX is a wrong match: not drawn, counted
        limit = s["max_flow"] + SIFT_SLACK_PX
        kept_sift = [
            (x0, y0, x1, y1)
            for x0, y0, x1, y1 in zip(sift["x0"], sift["y0"], sift["x1"], sift["y1"], strict=True)
            if math.hypot(x1 - x0, y1 - y0) <= limit
        ]
        dropped = len(sift["x0"]) - len(kept_sift)
        sx, sy = segments(*[[v + shift for v in col] for col in zip(*kept_sift, strict=True)] or [[], [], [], []])
        title = (
            f"Pair {i + 1} → {i + 2}: Farnebäck error <b>{s['epe_farneback']:.2f} px</b> "
            f"(zero flow {s['epe_zero']:.2f})<br>"
            f"median error LK {s['lk_median_error']} px · SIFT {s['sift_median_error']} px · "
            f"moved F1 {s['moved_f1']:.2f}<br>"
            f"SIFT: {len(kept_sift)} matches drawn, {dropped} over {limit:.1f} px left out"
        )
        out.append(
            Step(
                label=str(i + 1),
                images=[s["moved"], s["farneback"], s["true"], s["frame"]],
                title=title,
                overlays=[
                    Overlay(0, lx, ly, "Lucas-Kanade tracks", LK_COLOUR, 2.0, True),
                    Overlay(3, sx, sy, "SIFT matches", "#FACC15", 1.5, True),
                ],
            )
        )
    return out


def flow_panel(lab: Lab, key: str) -> None:
    sources = {"clip": "Still camera", "panning": "Panning camera", "photo": "Warped photo"}
    c1, c2 = st.columns([5, 2], vertical_alignment="bottom")
    source = c1.segmented_control(
        "Frames", list(sources), format_func=sources.__getitem__, **kept(f"{key}-source", "clip")
    )
    if c2.button("Another clip", icon=":material/casino:", key=f"{key}-new"):
        _new_seed(key)
    data = shipped("flow")
    seed = recall(f"{key}-seed")
    where = "shipped result"
    if source == "photo":
        view, side = data["photo"], data["photo"]["side"]
    elif seed is None and source != "panning":
        view, side = data["clip"], data["clip"]["side"]
    else:
        pan = 1.5 if source == "panning" else 0.0
        view = flow_clip(data["clip"]["seed"] if seed is None else seed, pan)
        side, where = 64, "computed now with OpenCV on the CPU"
    fig = picture_grid(
        flow_steps(view, side),
        ["LK tracks (orange)", "Farnebäck flow", "True flow", "SIFT matches (yellow)"],
        side,
        columns=4,
        cell_px=190,
        slider_prefix="frame pair ",
    )
    st.plotly_chart(fig, key=f"{key}-fig", config={"displayModeBar": False})
    st.plotly_chart(direction_key(), key=f"{key}-key", config={"displayModeBar": False})
    what = (
        f"Clip {view['seed']}"
        if view["source"] == "clip"
        else "A scikit-image photo turned, zoomed and shifted a little more at each step"
    )
    st.caption(
        f"{what} ({where}). Left: the frame with the pixels Farnebäck says moved more than 0.5 px in magenta and "
        "Lucas-Kanade's corner tracks in orange (each a dot and its short move); middle: Farnebäck's flow and the "
        "renderer's true flow, coloured by direction (hue, key below) and length (brightness) on one scale; right: "
        "SIFT key points matched into the next frame. A SIFT match longer than the pair's largest true motion plus "
        f"{SIFT_SLACK_PX:g} px pairs two different key points (the textures repeat): those wrong matches are left "
        "out of the picture, counted in the title, and kept in the median error. Drag the slider to step through "
        "the frame pairs."
    )


# ------------------------------------------------------------------------------------------------ background


@st.cache_data(max_entries=16, show_spinner="Rendering 120 frames and running three background models…")
def background_clip(seed: int, background: str) -> dict[str, Any]:
    from demos.video.background import panel_view

    return panel_view(seed, background)


def background_panel(lab: Lab, key: str) -> None:
    kinds = {"still": "Still", "swaying": "Swaying", "brightening": "Brightening"}
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    kind = c1.segmented_control(
        "Background", list(kinds), format_func=kinds.__getitem__, **kept(f"{key}-kind", "swaying")
    )
    kind = kind or "swaying"
    if c2.button("Another clip", icon=":material/casino:", key=f"{key}-new"):
        _new_seed(key)
    seed = recall(f"{key}-seed")
    view = shipped("background")["views"][kind] if seed is None else background_clip(seed, kind)
    methods = ("running-average", "mog2", "knn")
    f1 = view["f1"]
    steps = [
        Step(
            label=str(s["t"]),
            images=[s["frame"], s["truth"], *[s[m] for m in methods]],
            title=f"Frame {s['t']}, F1 on this frame: running average {s['frame_f1']['running-average']:.2f} · "
            f"MOG2 {s['frame_f1']['mog2']:.2f} · KNN {s['frame_f1']['knn']:.2f}",
        )
        for s in view["steps"]
    ]
    titles = [
        "Frame",
        "True mask",
        *[f"{n} (F1 {f1[m]:.2f})" for n, m in zip(("Running avg", "MOG2", "KNN"), methods, strict=True)],
    ]
    fig = picture_grid(steps, titles, 64, columns=5, slider_prefix="frame ")
    st.plotly_chart(fig, key=f"{key}-fig", config={"displayModeBar": False})
    st.caption(
        f"{'Shipped clip' if seed is None else f'Clip {seed}, computed now with OpenCV on the CPU'}: shapes cross a "
        f"{kind} textured background for {view['frames']} frames. White is what each model calls foreground; the F1 "
        "in the picture titles is pooled over the whole clip after a 20-frame warm-up, the headline's is this "
        "frame's alone. Drag the slider through the frames; on "
        "the swaying background the running average flags the texture's edges, on the brightening one MOG2 and KNN "
        "fall behind the light."
    )


# ------------------------------------------------------------------------------------------------ actions


@st.cache_resource(show_spinner="Loading PyTorch and the action models…")
def _device() -> Any:
    from demos.common import pick_device

    return pick_device("auto")


@st.cache_data(max_entries=16, show_spinner="Rendering a clip, its flow, and running every model…")
def action_clip(action: str, seed: int) -> dict[str, Any]:
    import numpy as np

    from demos.common import label
    from demos.scenes.clips import render_clip
    from demos.video.actions import ACTIONS as ALL
    from demos.video.actions import ActionData, action_clip, clip_flows
    from demos.video.flow import flow_to_rgb, to_uint8
    from demos.video.panels import model_probabilities
    from demos.video.pictures import png_uri

    frames = to_uint8(render_clip(action_clip(action, random.Random(seed))).frames.numpy())
    flows = clip_flows(frames)
    data = ActionData(frames[None], np.array([ALL.index(action)]), flows[None].astype(np.float32))
    probs = model_probabilities(data, _device())
    top = max(float(np.sqrt((flows**2).sum(1)).max()), 1.0)
    return {
        "action": action,
        "frames": [png_uri(f) for f in frames],
        "flows": [png_uri(flow_to_rgb(f, top)) for f in flows],
        "probabilities": {m: np.round(p[0], 3).tolist() for m, p in probs.items()},
        "device": label(_device()),
    }


def actions_panel(lab: Lab, key: str) -> None:
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    action = c1.selectbox("Action", ACTIONS, **kept(f"{key}-action", "turn-cw"))
    if c2.button("Another clip", icon=":material/casino:", key=f"{key}-new"):
        _new_seed(key)
    seed = recall(f"{key}-seed")
    if seed is None:
        clip = next(c for c in shipped("actions")["clips"] if c["action"] == action)
        where = "shipped result"
    else:
        clip = action_clip(action, seed)
        where = f"computed now on {clip['device']}"
    step = Step(label="", images=[*clip["frames"], *clip["flows"]], title=f"“{action}”: 8 frames and 7 flows")
    titles = [f"frame {i + 1}" for i in range(8)] + [f"flow {i + 1}→{i + 2}" for i in range(7)]
    st.plotly_chart(
        picture_grid([step], titles, 32, columns=8, cell_px=95), key=f"{key}-clip", config={"displayModeBar": False}
    )
    probs = clip["probabilities"]
    truth = ACTIONS.index(action)
    names = [m for m in MODEL_NAMES if m in probs]
    guesses = [ACTIONS[max(range(len(ACTIONS)), key=probs[m].__getitem__)] for m in names]
    fig = bar_figure(
        [f"{MODEL_NAMES[m]} → {g}" for m, g in zip(names, guesses, strict=True)],
        [probs[m][truth] for m in names],
        f"Probability each model gives “{action}” (bar grey when its top guess is wrong)",
        "probability of the true action",
        highlight=[g == action for g in guesses],
        height=330,
        range_=(0, 1.15),
    )
    st.plotly_chart(direction_key(), key=f"{key}-key", config={"displayModeBar": False})
    st.plotly_chart(fig, key=f"{key}-probs", config={"displayModeBar": False})
    st.caption(
        f"Top: the clip ({where}) and the Farnebäck flow stack the two-stream network's temporal stream reads "
        f"(hue = direction, brightness = length; key below the clip). Bottom: what each of the "
        f"{len(names)} shipped models predicts for "
        "it. The single-frame "
        "model sees each frame alone, so it can only guess: every action here is another one played backwards."
    )


# ------------------------------------------------------------------------------------------------ trajectories


@st.cache_data(max_entries=16, show_spinner="Tracking dense points through a new clip…")
def trajectory_clip(action: str, seed: int) -> dict[str, Any]:
    import numpy as np

    from demos.scenes.clips import render_clip
    from demos.video.actions import action_clip, clip_flows
    from demos.video.flow import to_uint8
    from demos.video.pictures import png_uri
    from demos.video.trajectories import dense_tracks, flow_histogram, load_svm, moving_tracks

    frames = to_uint8(render_clip(action_clip(action, random.Random(seed))).frames.numpy())
    tracks = moving_tracks(dense_tracks(clip_flows(frames)))
    hist = flow_histogram(tracks, local=True)
    svms, _ = load_svm()
    return {
        "action": action,
        "frame": png_uri(frames[len(frames) // 2]),
        "first": png_uri(frames[0]),
        "tracks": np.round(tracks[:120], 2).tolist(),
        "moving_tracks": len(tracks),
        "histogram": np.round(hist, 4).tolist(),
        "prediction": ACTIONS[int(svms["local"].decision(hist[None])[0].argmax())],
        "side": int(frames.shape[1]),
    }


def trajectories_panel(lab: Lab, key: str) -> None:
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    action = c1.selectbox("Action", ACTIONS, **kept(f"{key}-action", "grow"))
    if c2.button("Another clip", icon=":material/casino:", key=f"{key}-new"):
        _new_seed(key)
    seed = recall(f"{key}-seed")
    clip = (
        next(c for c in shipped("trajectories")["clips"] if c["action"] == action)
        if seed is None
        else trajectory_clip(action, seed)
    )
    xs, ys = polylines(clip["tracks"])
    starts = [t[0] for t in clip["tracks"]]
    start_xs = [v for p in starts for v in (p[0], None)]  # one piece per start, so each gets its dot
    start_ys = [v for p in starts for v in (p[1], None)]
    step = Step(
        label="",
        images=[clip["first"]],
        title=f"SVM says “{clip['prediction']}” for a “{action}” clip",
        overlays=[
            Overlay(0, xs, ys, "tracks over 8 frames", "#22D3EE", 1.2),
            Overlay(0, start_xs, start_ys, "start", START_COLOUR, 0.1, True, dot=0.3),
        ],
    )
    c3, c4 = st.columns([2, 3])
    c3.plotly_chart(
        picture_grid(
            [step], ["first frame, tracks (cyan) from their start (yellow)"], clip["side"], columns=1, cell_px=230
        ),
        key=f"{key}-tracks",
        config={"displayModeBar": False},
    )
    hist = clip["histogram"]
    bins = ["→", "↘", "↓", "↙", "←", "↖", "↑", "↗"]
    groups = [f"{q} {h}" for q in ("TL", "TR", "BL", "BR") for h in ("1st", "2nd")]
    import plotly.graph_objects as go

    # one bar trace per direction (coloured as the flow pictures colour it), grouped by quadrant and half
    fig = go.Figure()
    for j, arrow in enumerate(bins):
        fig.add_bar(
            x=groups,
            y=hist[j :: len(bins)],
            name=arrow,
            marker_color=DIRECTION_COLOURS[j],
            hovertemplate=f"%{{x}} {arrow}: %{{y:.3f}}<extra></extra>",
        )
    fig.update_layout(
        title={"text": "Flow histogram: quadrant × half of the clip × direction", "font": {"size": 13}},
        height=310,
        margin={"l": 4, "r": 4, "t": 40, "b": 40},
        bargap=0.25,
        bargroupgap=0.0,
        legend={
            "orientation": "h",
            "y": -0.14,
            "yanchor": "top",
            "x": 0,
            "title": {"text": "direction", "side": "left"},
            "font": {"size": 13},
            "entrywidth": 38,
            "itemwidth": 30,
        },
        yaxis={"title": "share of motion"},
    )
    c4.plotly_chart(fig, key=f"{key}-hist", config={"displayModeBar": False})
    st.caption(
        f"{clip['moving_tracks']} grid points that move, followed through the clip by Farnebäck flow (up to 120 drawn; "
        "yellow squares are where they start). Each step of each track is counted in one of 8 direction bins (bar "
        "colours, key under the chart), per "
        "quadrant around the moving points' centre and per half of the clip; a linear SVM reads those 64 numbers."
        f" ({'shipped result' if seed is None else 'computed now on the CPU'})"
    )
