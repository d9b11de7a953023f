"""The augmentation panel: one augmentation drawn six times on a photo, and what every augmentation did for a small
CNN with 10 labels per class (the shipped runs, each seed a dot).

The shipped gallery (``demos/augment/results/panel_gallery.json``) and record (``checkpoints/cnns.json``) draw
at once without torch; "Draw again" or another photo computes new draws with torch.
"""

from __future__ import annotations

import json
import random
import statistics
from pathlib import Path
from typing import Any

import streamlit as st

from demos.registry import Lab
from ui.state import kept, recall, remember
from ui.video_view import Step, bar_figure, picture_grid

ROOT = Path(__file__).resolve().parents[2] / "demos" / "augment"
PHOTOS = {"chelsea": "Cat", "astronaut": "Astronaut", "coffee": "Coffee"}


@st.cache_data(show_spinner=False)
def shipped_gallery() -> dict[str, Any]:
    return json.loads((ROOT / "results" / "panel_gallery.json").read_text())


@st.cache_data(show_spinner=False)
def runs() -> dict[str, Any]:
    return json.loads((ROOT / "checkpoints" / "cnns.json").read_text())


@st.cache_data(max_entries=32, show_spinner="Drawing augmentations with PyTorch…")
def fresh_draws(photo: str, setting: str, seed: int) -> list[str]:
    from demos.augment.gallery import draws

    return draws(photo, setting, seed)


@st.cache_data(max_entries=4, show_spinner=False)
def original(photo: str) -> str:
    from demos.augment.gallery import photo as load_photo
    from demos.video.pictures import jpeg_uri

    return jpeg_uri(load_photo(photo, 96))


def accuracy_figure(record: dict[str, Any], chosen: str) -> Any:
    settings, seeds = record["settings"], record["seeds"]
    per = {s: [record["runs"][f"{s}/seed{k}"]["test_accuracy"] for k in seeds] for s in settings}
    means = [statistics.fmean(per[s]) for s in settings]
    return bar_figure(
        settings,
        means,
        f"Held-out accuracy with 10 labels per class, mean of {len(seeds)} seeds (dots: each seed)",
        "accuracy on 1,000 held-out scenes (%)",
        highlight=[s in (chosen, "none") for s in settings],
        names=(
            f"mean: chosen “{chosen}” and “none”" if chosen != "none" else "mean: “none”",
            "mean: the other settings",
        ),
        dots=[per[s] for s in settings],
        height=360,
        range_=(0, 1.05),
    )


def panel(lab: Lab, key: str) -> None:
    gallery = shipped_gallery()
    settings: dict[str, str] = gallery["settings"]
    choice = st.selectbox(
        "Augmentation", list(settings), format_func=settings.__getitem__, **kept(f"{key}-setting", "all")
    )
    c2, c3 = st.columns([3, 2], vertical_alignment="bottom")
    picked = c2.selectbox("Photo", list(PHOTOS), format_func=PHOTOS.__getitem__, **kept(f"{key}-photo", "chelsea"))
    setting, photo = str(choice or "all"), str(picked or "chelsea")
    if c3.button("Draw again", icon=":material/casino:", key=f"{key}-new"):
        remember(f"{key}-seed", random.SystemRandom().randrange(1, 1_000_000))
    seed = recall(f"{key}-seed", gallery["seed"])
    if seed == gallery["seed"] and photo in gallery["photos"]:
        images = [gallery["photos"][photo]["original"], *gallery["photos"][photo]["draws"][setting]]
        where = "shipped draws"
    else:
        images = [original(photo), *fresh_draws(photo, setting, seed)]
        where = f"draws with seed {seed}, computed now on the CPU"
    step = Step(label="", images=images, title=settings[setting])
    titles = ["original"] + [f"draw {i}" for i in range(1, len(images))]
    st.plotly_chart(
        picture_grid([step], titles, gallery["side"], columns=len(images), cell_px=120),
        key=f"{key}-gallery",
        config={"displayModeBar": False},
    )
    st.caption(
        f"A scikit-image photo and {len(images) - 1} random draws of the chosen augmentation ({where}); every draw "
        "is a new training image with the same label."
    )
    task = gallery["task"]
    example = Step(label="", images=task["images"], title="The task: name the shape from 10 labelled scenes per class")
    st.plotly_chart(
        picture_grid([example], task["labels"], task["side"], columns=len(task["images"]), cell_px=90),
        key=f"{key}-task",
        config={"displayModeBar": False},
    )
    record = runs()
    st.plotly_chart(accuracy_figure(record, setting), key=f"{key}-acc", config={"displayModeBar": False})
    st.caption(
        "The small-data task: name the shape in 32 × 32 colour scenes from 40 labelled images (10 per class), a "
        f"3-layer CNN trained for {record['runs']['none/seed0']['config']['steps']} steps with each augmentation "
        "drawn afresh at every step. Seeds change the labelled images, the initialisation and the draws; the spread "
        f"of the dots is the noise any claim must beat. Shipped runs: `{record['command']}`."
    )
