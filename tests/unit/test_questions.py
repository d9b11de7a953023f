"""Computed questions: every template's answer against an independent computation (torch ops the template does
not use, torchvision for IoU and NMS, numpy for float16, scikit-learn for mask scores, closed forms for
optimiser steps), on several seeds; grading of typed answers; the template list itself."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest
import torch
import torchvision
from sklearn.metrics import accuracy_score, jaccard_score

from demos.questions import TEMPLATES, by_id
from demos.questions.boxes import CANVAS
from demos.questions.core import LettersAnswer, NumberAnswer, parse_number
from demos.questions.numerics import strassen_multiplications
from demos.registry import by_name
from kb.cards import load_content
from tests.conftest import REAL_CONTENT, ROOT

SEEDS = range(4)
F = torch.nn.functional


def zeros(*shape: int) -> torch.Tensor:
    return torch.zeros(*shape)


def field_by_gradient(layers: list[tuple[str, int, int, int]]) -> int:
    """Receptive field measured the slow, obvious way: a 1-D stack of all-ones filters, the gradient of one
    output unit in the middle with respect to the input, and the span of the inputs it reaches."""
    x = torch.zeros(1, 1, 1024, requires_grad=True)
    y = x
    for _, k, s, d in layers:
        y = F.conv1d(y, torch.ones(1, 1, k), stride=s, dilation=d)
    y[0, 0, y.shape[-1] // 2].backward()
    assert x.grad is not None
    hit = torch.nonzero(x.grad[0, 0]).flatten()
    return int(hit.max() - hit.min() + 1)


def quadratic_grad(a: float, c: float, w: float) -> float:
    return a * (w - c)


def adam_first(p: Mapping[str, Any]) -> float:
    g = quadratic_grad(p["a"], p["c"], p["w0"])
    m, v = 0.1 * g, 0.001 * g * g
    m_hat, v_hat = m / 0.1, v / 0.001
    return p["w0"] - p["lr"] * m_hat / (math.sqrt(v_hat) + 1e-8)


def momentum_two(p: Mapping[str, Any]) -> float:
    w, v = p["w0"], 0.0
    for _ in range(2):
        v = p["mu"] * v + quadratic_grad(p["a"], p["c"], w)
        w -= p["lr"] * v
    return w


def adagrad_two(p: Mapping[str, Any]) -> float:
    w, total = p["w0"], 0.0
    for _ in range(2):
        g = quadratic_grad(p["a"], p["c"], w)
        total += g * g
        w -= p["lr"] * g / (math.sqrt(total) + 1e-10)
    return w


def rmsprop_first(p: Mapping[str, Any]) -> float:
    g = quadratic_grad(p["a"], p["c"], p["w0"])
    return p["w0"] - p["lr"] * g / (math.sqrt((1 - p["alpha"]) * g * g) + 1e-8)


def softmax(values: list[float], t: float = 1.0) -> list[float]:
    e = [math.exp(v / t) for v in values]
    return [x / sum(e) for x in e]


def masks(p: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    w, h = int(CANVAS[0]), int(CANVAS[1])
    out = []
    for x1, y1, x2, y2 in (p["truth"], p["pred"]):
        m = np.zeros((h, w), dtype=bool)
        m[int(y1) : int(y2), int(x1) : int(x2)] = True
        out.append(m.ravel())
    return out[0], out[1]


def half(value: float) -> float:
    """numpy's float16 rounding (an independent implementation of IEEE half precision); overflow gives inf."""
    with np.errstate(over="ignore"):
        return float(np.float16(value))


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def chain(depth: int) -> float:
    z, grad = 0.0, 1.0
    for _ in range(depth):
        s = sigmoid(z)
        grad *= s * (1 - s)
        z = s
    return grad


def torchvision_keep(p: Mapping[str, Any]) -> set[str]:
    keep = torchvision.ops.nms(torch.tensor(p["boxes"]), torch.tensor(p["scores"]), p["threshold"])
    return {p["letters"][int(i)] for i in keep}


def gates(kind: str) -> int:
    return {"rnn-params": 1, "gru-params": 3, "lstm-params": 4}[kind]


ORACLES: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "conv-output-size": lambda p: F.conv2d(
        zeros(1, 1, p["h"], p["w"]), zeros(1, 1, p["k"], p["k"]), stride=p["s"], padding=p["p"]
    ).shape[2],
    "stride-output-1d": lambda p: F.conv1d(zeros(1, 1, p["n"]), zeros(1, 1, p["k"]), stride=p["s"]).shape[2],
    "dilated-output-size": lambda p: F.conv2d(
        zeros(1, 1, p["n"], p["n"]), zeros(1, 1, p["k"], p["k"]), padding=p["p"], dilation=p["d"]
    ).shape[2],
    "transposed-output-size": lambda p: F.conv_transpose2d(
        zeros(1, 1, p["n"], p["n"]), zeros(1, 1, p["k"], p["k"]), stride=p["s"], padding=p["p"]
    ).shape[2],
    "same-padding": lambda p: (p["k"] - 1) // 2,
    "pool-output-size": lambda p: F.max_pool2d(zeros(1, p["c"], p["n"], p["n"]), p["k"], p["s"]).shape[2],
    "rf-3x3-stack": lambda p: field_by_gradient(p["layers"]),
    "rf-strided-stack": lambda p: field_by_gradient(p["layers"]),
    "rf-dilated-stack": lambda p: field_by_gradient(p["layers"]),
    "layers-for-field": lambda p: math.ceil((p["target"] - 1) / 2),
    "causal-field": lambda p: field_by_gradient([("conv", 2, 1, 2**i) for i in range(p["n"])]),
    "conv-params": lambda p: p["c_out"] * p["c_in"] * p["k"] ** 2 + (p["c_out"] if p["bias"] else 0),
    "conv-macs": lambda p: p["size"] ** 2 * p["c_out"] * p["c_in"] * p["k"] ** 2,
    "linear-params": lambda p: p["n_in"] * p["n_out"] + p["n_out"],
    "flatten-size": lambda p: p["c"] * ((p["size"] + 2 * p["p"] - p["k"] + 1) // 2) ** 2,
    "fc-after-flatten": lambda p: p["c"] * p["h"] ** 2 * p["out"] + p["out"],
    "bottleneck-params": lambda p: 2 * p["c"] * p["m"] + 9 * p["m"] ** 2,
    "stack-vs-7x7": lambda p: 22 * p["c"] ** 2,
    "factorised-params": lambda p: 2 * p["k"] * p["c"] ** 2,
    "depthwise-separable": lambda p: p["k"] ** 2 * p["c_in"] + p["c_in"] * p["c_out"],
    "conv3d-frames": lambda p: (p["frames"] - p["t"]) // p["s"] + 1,
    "conv3d-params": lambda p: 27 * p["c_in"] * p["c_out"] + p["c_out"],
    "temporal-extent": lambda p: 3 * p["k"] ** 2 * p["t"],
    "rnn-params": lambda p: gates("rnn-params") * (p["h"] * (p["x"] + p["h"]) + 2 * p["h"]),
    "gru-params": lambda p: gates("gru-params") * (p["h"] * (p["x"] + p["h"]) + 2 * p["h"]),
    "lstm-params": lambda p: gates("lstm-params") * (p["h"] * (p["x"] + p["h"]) + 2 * p["h"]),
    "im2col-columns": lambda p: ((p["size"] + 2 * p["p"] - p["k"]) // p["s"] + 1) ** 2,
    "im2col-size": lambda p: p["c"] * p["k"] ** 2 * p["size"] ** 2,
    "crop-count": lambda p: 2 * (p["image"] - p["crop"] + 1) ** 2,
    "window-count": lambda p: ((p["w"] - p["win"]) // p["s"] + 1) * ((p["h"] - p["win"]) // p["s"] + 1),
    "rfft-length": lambda p: np.fft.rfft(np.zeros(p["n"])).shape[0],
    "fft-linear-size": lambda p: p["n"] + p["k"] - 1,
    "strassen-count": lambda p: 7 ** round(math.log2(p["n"] // p["leaf"])) * p["leaf"] ** 3,
    "float16-overflow": lambda p: half(p["value"]),
    "float16-underflow": lambda p: half(p["value"]),
    "float16-spacing": lambda p: half(p["base"] + p["extra"]),
    "loss-scale": lambda p: max(0, math.ceil(math.log2(2.0**-14 / p["gradient"]))),
    "box-iou": lambda p: float(torchvision.ops.box_iou(torch.tensor([p["a"]]), torch.tensor([p["b"]]))[0, 0]),
    "nms-count": lambda p: len(torchvision_keep(p)),
    "nms-which": torchvision_keep,
    "mask-iou": lambda p: jaccard_score(*masks(p)),
    "pixel-accuracy": lambda p: accuracy_score(*masks(p)),
    "softmax-temperature": lambda p: softmax(p["logits"], p["t"])[p["i"]],
    "cross-entropy": lambda p: -math.log(softmax(p["logits"])[p["target"]]),
    "nll-probability": lambda p: -math.log(p["p"]),
    "mse": lambda p: float(np.mean((np.array(p["pred"]) - np.array(p["true"])) ** 2)),
    "sigmoid-value": lambda p: sigmoid(p["x"]),
    "sigmoid-derivative": lambda p: sigmoid(p["x"]) * (1 - sigmoid(p["x"])),
    "tanh-derivative": lambda p: 1 - math.tanh(p["x"]) ** 2,
    "vanishing-chain": lambda p: chain(p["depth"]),
    "sgd-step": lambda p: p["w0"] - p["lr"] * quadratic_grad(p["a"], p["c"], p["w0"]),
    "momentum-steps": momentum_two,
    "adam-step": adam_first,
    "rmsprop-step": rmsprop_first,
    "adagrad-steps": adagrad_two,
    "divergence-rate": lambda p: 2 / p["a"],
    "weight-decay-step": lambda p: p["w0"] * (1 - p["lr"] * p["decay"]),
    "dropout-scale": lambda p: 1 / (1 - p["p"]),
    "batchnorm-output": lambda p: (p["batch"][p["i"]] - np.mean(p["batch"])) / math.sqrt(np.var(p["batch"]) + 1e-5),
    "triplet-loss": lambda p: max(
        0.0,
        float(np.linalg.norm(np.subtract(p["anchor"], p["positive"])))
        - float(np.linalg.norm(np.subtract(p["anchor"], p["negative"])))
        + p["margin"],
    ),
    "attention-weight": lambda p: softmax(p["scores"])[p["i"]],
    "gaussian-kl": lambda p: 0.5 * (p["mu"] ** 2 + p["sigma"] ** 2 - 1 - math.log(p["sigma"] ** 2)),
}


def test_there_are_at_least_forty_templates_each_with_an_oracle() -> None:
    assert len(TEMPLATES) >= 40 and len(by_id()) == len(TEMPLATES)  # ids are unique
    assert set(ORACLES) == set(by_id())


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
def test_each_answer_matches_an_independent_computation(template) -> None:
    for seed in SEEDS:
        inst = template.instance(seed)
        expected = ORACLES[template.id](inst.params)
        if isinstance(inst.answer, LettersAnswer):
            assert set(inst.answer.letters) == expected, (seed, inst.prompt)
        else:
            assert math.isclose(inst.answer.value, expected, rel_tol=1e-4, abs_tol=1.5e-4), (seed, inst.prompt)
        assert inst.answer.grade(inst.answer.shown)  # what the page shows as the answer is graded right
        assert template.instance(seed) == inst  # same seed, same numbers


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.id)
def test_a_wrong_answer_is_graded_wrong_and_the_numbers_change_with_the_seed(template) -> None:
    inst = template.instance(0)
    if isinstance(inst.answer, LettersAnswer):
        assert not inst.answer.grade(" ".join(sorted(set("ABCDEFG") - set(inst.answer.letters))))
    else:
        wrong = inst.answer.value + max(1.0, abs(inst.answer.value) * 0.5) if math.isfinite(inst.answer.value) else 0
        assert not inst.answer.grade(str(wrong))
    assert len({template.instance(seed).prompt for seed in range(12)}) > 1


def test_templates_belong_to_cards_that_exist_and_name_labs_that_exist() -> None:
    ids = {c.id for c in load_content(REAL_CONTENT).cards}
    labs = by_name()
    for template in TEMPLATES:
        assert any(card in ids for card in template.cards), template.id
        assert template.lab is None or template.lab in labs, template.id


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1,024", 1024),
        ("1 024", 1024),
        ("0.33", 0.33),
        (".5", 0.5),
        ("1/3", 1 / 3),
        ("6e-8", 6e-8),
        ("-2", -2),
        ("inf", math.inf),
        ("∞", math.inf),
        ("−3", -3),
        ("12 pixels", None),
        ("50%", None),
        ("", None),
        ("1/0", None),
    ],
)
def test_typed_numbers(typed, value) -> None:
    parsed = parse_number(typed)
    assert parsed == pytest.approx(value) if value is not None else parsed is None


def test_number_and_letter_grading() -> None:
    third = NumberAnswer(1 / 3, digits=2, tol=0.01)
    assert third.grade("0.33") and third.grade("1/3") and not third.grade("0.3")
    assert NumberAnswer(7).grade("7") and not NumberAnswer(7).grade("7.5")
    assert NumberAnswer(math.inf).grade("inf") and not NumberAnswer(65504).grade("inf")
    keep = LettersAnswer(frozenset("AC"))
    assert keep.grade("c, a") and keep.grade("AC") and not keep.grade("A") and not keep.grade("A B C")


def test_strassen_counts() -> None:
    assert [strassen_multiplications(2**k) for k in range(4)] == [1, 7, 49, 343]
    assert strassen_multiplications(8, leaf=2) == 49 * 8
    with pytest.raises(ValueError, match="powers of two"):
        strassen_multiplications(6)


def test_listing_the_templates_imports_no_torch() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, demos.questions as q; print(len(q.TEMPLATES), 'torch' in sys.modules)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split()[1] == "False"
