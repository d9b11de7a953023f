"""The bayesian panel: the shipped headline results, and a link to the full lab."""

from __future__ import annotations

import streamlit as st

from demos.registry import Lab


def panel(lab: Lab, key: str) -> None:
    st.caption(f"The full lab page trains and evaluates live: {lab.summary}")
