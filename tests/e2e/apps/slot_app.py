"""A tiny app for the fair-queue browser test: "Run" holds a training slot for a few seconds with a progress bar."""

import time

import streamlit as st

from ui.compute import training_slot

if st.button("Run", key="run"):
    with training_slot("the test run"):
        bar = st.progress(0.0, text="running")
        for step in range(20):
            time.sleep(0.2)
            bar.progress((step + 1) / 20, text=f"step {step + 1} of 20")
    st.success("done")
