"""The backprop-by-hand panel: a small computational graph stepped through its forward and backward pass, the
output delta, and every gradient checked against torch.autograd and a finite difference.

The engine is pure Python, so the graph and its passes compute at once; the torch column of the shipped graphs
comes from ``results/graphs.json`` and is recomputed (importing torch) only for new numbers.
"""

from __future__ import annotations

import random
from typing import Any

import streamlit as st

from demos.autograd.graphs import GRAPHS, build, output_delta, passes, random_values
from demos.registry import Lab
from demos.train.records import read
from ui.labs.autograd_view import graph_figure
from ui.state import kept, recall, remember

TITLES = {"neuron": "One sigmoid neuron", "two-layer": "Two-layer net, one example"}


@st.cache_data(max_entries=64, show_spinner="Checking against torch.autograd…")
def fresh(name: str, seed: int) -> dict[str, Any]:
    from demos.autograd.graphs import checks

    values = random_values(name, seed)
    return {
        "values": values,
        "passes": passes(build(name, **values)),
        "checks": checks(build(name, **values)),
        "delta": output_delta(build(name, **values)),
    }


def panel(lab: Lab, key: str) -> None:
    shipped = read("autograd", "graphs")["graphs"]
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    name = (
        c1.segmented_control("Graph", list(GRAPHS), format_func=lambda g: TITLES[g], **kept(f"{key}-graph", "neuron"))
        or "neuron"
    )
    if c2.button("New numbers", icon=":material/casino:", key=f"{key}-new"):
        remember(f"{key}-seed-{name}", random.SystemRandom().randrange(1_000_000))
    seed = recall(f"{key}-seed-{name}", None)
    data = shipped[name] if seed is None else fresh(name, seed)
    st.plotly_chart(graph_figure(data["passes"]), key=f"{key}-graph-fig", config={"displayModeBar": False})
    st.caption(
        "Each circle is one number of the computation: its name (and operation), its value, and, once the backward "
        "pass has reached it, its gradient ∂L/∂node in green. The slider under the graph steps through the forward "
        "pass (F) node by node, then the backward pass (B) from L back to the inputs: each node adds its local "
        "derivative times the gradient arriving from above to each of its inputs -- the chain rule, once per edge."
    )
    d = data["delta"]
    st.markdown(
        f"**Output delta**, as the notes write it: `deltaoutput = error * dsigmoid(sum)` = "
        f"{d['error']:.4f} × σ(z)(1 − σ(z)) = {d['error']:.4f} × {d['sigmoid']:.4f} × (1 − {d['sigmoid']:.4f}) = "
        f"**{d['delta_formula']:.6f}**; the backward pass found ∂L/∂z = **{d['delta_backprop']:.6f}**."
    )
    rows = [
        {
            "weight or input": r["leaf"],
            "value": r["value"],
            "∂L/∂ (this engine)": r["ours"],
            "torch.autograd": r["torch"],
            "finite difference": r["finite_difference"],
            "|engine − torch|": abs(r["ours"] - r["torch"]),
        }
        for r in data["checks"]
    ]
    st.dataframe(
        rows,
        hide_index=True,
        key=f"{key}-checks",
        column_config={k: st.column_config.NumberColumn(format="%.6g") for k in rows[0] if k != "weight or input"},
    )
    source = (
        "the shipped graph (`python -m demos.autograd graphs --save`)" if seed is None else "your numbers, just now"
    )
    st.caption(
        "Every gradient three ways: this engine's backward pass, torch.autograd on the same graph replayed in "
        f"float64 torch, and a central finite difference (step 1e-6). Computed for {source}, on the CPU."
    )
