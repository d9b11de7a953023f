"""A tiny app for the live-run browser test: "Run" starts a 4-second run in a training slot, drawn by watch()."""

import time

import streamlit as st

from ui.compute import Progress, start, watch


def four_seconds(progress: Progress) -> str:
    for step in range(20):
        time.sleep(0.2)
        progress((step + 1) / 20, f"step {step + 1} of 20")
    return "all 20 steps"


@st.fragment  # as a lab panel is
def panel() -> None:
    if st.button("Run", key="run"):
        start("test-run", "the test run", four_seconds)
    run = watch("test-run")
    if run is not None and run.state == "done":
        st.success(f"done: {run.result}")


panel()
