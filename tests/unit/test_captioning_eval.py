"""Captioning demo, evaluation: the scorer on known-perfect and known-wrong captions, and a reduced model run."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from demos.captioning.captions import captions
from demos.captioning.data import caption_set, make_split, scene_config
from demos.captioning.evaluate import EvalConfig, evaluate, score
from demos.captioning.model import Decoded, ModelConfig
from demos.captioning.train import TrainConfig, train
from demos.scenes import SHAPES, Rendered
from tests.unit.torch_threads import one_torch_thread  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# Tiny, with the published decoder (it learns the grammar fastest in a handful of steps).
TINY = ModelConfig(
    channels=(8, 8, 16),
    feature_dim=16,
    hidden_dim=32,
    embed_dim=8,
    attention_dim=16,
    init_from_image=True,
    look_after_word=False,
    feedback="context",
)


def oracle(r: Rendered, words: list[str] | None = None) -> Decoded:
    """The scene's canonical caption, attending to the centre of each named object's box at its shape word."""
    words = words if words is not None else captions(r.scene)[0]
    alphas = torch.full((len(words), 64), 1 / 64)
    ordered = sorted(range(len(r.scene.objects)), key=lambda k: (r.scene.objects[k].cx, r.scene.objects[k].cy))
    shape_positions = [t for t, w in enumerate(words) if w in SHAPES]
    for t, k in zip(shape_positions, ordered, strict=False):
        x1, y1, x2, y2 = r.boxes[k].tolist()
        cell = int((y1 + y2) / 2 // 8) * 8 + int((x1 + x2) / 2 // 8)
        alphas[t] = 0
        alphas[t, cell] = 1
    return Decoded(words, alphas, 0.0)


def test_scores_of_perfect_and_of_wrong_captions() -> None:
    scenes = make_split("val", 30, scene_config(1, 4))
    perfect = score([oracle(r) for r in scenes], scenes)
    assert perfect["bleu4"] == 1.0 and perfect["exact_objects"] == 1.0 and perfect["object_recall"] == 1.0
    assert perfect["relation_accuracy"] == 1.0 and perfect["grammatical"] == 1.0
    assert perfect["attention_localization"] == 1.0
    # The stricter centre rule misses some small objects even here: an 8 px cell's centre can fall outside a
    # box narrower than 8 px, so that variant's ceiling is below 1.
    assert 0.9 < perfect["attention_localization_centre"] <= 1.0
    # Each scene given its neighbour's caption (and attention): grammatical, but wrong objects and places.
    shifted = [oracle(scenes[(i + 1) % len(scenes)]) for i in range(len(scenes))]
    wrong = score(shifted, scenes)
    assert wrong["grammatical"] == 1.0
    assert wrong["exact_objects"] < 0.2 and wrong["object_recall"] < 0.5
    assert wrong["attention_localization"] < 0.3
    assert 0.2 < wrong["bleu4"] < 0.9  # the grammar words alone earn a fair BLEU: why recall is reported too


def test_reduced_model_trains_and_evaluates_with_the_full_report_structure() -> None:
    data = caption_set(make_split("train", 64, scene_config(1, 2)))
    config = TrainConfig(train_scenes=64, max_objects=2, steps=25, batch=16, warmup=5, lr=1e-2, model=TINY)
    model, history = train(config, torch.device("cpu"), data=data)
    assert [p.step for p in history] == list(range(1, 26))
    assert sum(p.ce for p in history[-5:]) < sum(p.ce for p in history[:5]) - 2.5  # the loss falls by > 0.5
    result = evaluate(
        model,
        torch.device("cpu"),
        EvalConfig(test_scenes=6, max_objects=2, counts=(1, 4), per_count=2, timing_images=2),
    )
    assert result["decoding"] == "greedy" and result["images"] == 6
    for key in ("bleu1", "bleu2", "bleu3", "bleu4", "attention_localization", "object_recall", "exact_objects"):
        assert 0.0 <= result[key] <= 1.0, key  # type: ignore[operator]
    assert result["bleu1"] > 0.05  # type: ignore[operator]  # 25 steps already learn some of the grammar's words
    by = result["by_objects"]
    assert isinstance(by, dict) and set(by) == {"1", "4"} and by["1"]["in_training"] and not by["4"]["in_training"]
    assert by["4"]["images"] == 2
    assert result["ms_per_image_greedy"] > 0 and result["ms_per_image_beam3"] > 0  # type: ignore[operator]


def test_training_stops_when_asked() -> None:
    data = caption_set(make_split("train", 32, scene_config(1, 2)))
    config = TrainConfig(train_scenes=32, max_objects=2, steps=50, batch=8, warmup=2, model=TINY)
    _, history = train(config, torch.device("cpu"), on_step=lambda p: p.step == 3, data=data)
    assert [p.step for p in history] == [1, 2, 3]  # a live run's Stop or time limit ends it at that step


def test_the_card_panels_shipped_scene_is_what_the_shipped_checkpoint_says_today() -> None:
    """The shipped caption, attention maps and checks (drawn without torch) come from the shipped checkpoint; the
    full re-evaluation on 1,000 scenes is the claims' full mode (python -m demos.captioning eval --full)."""
    import json

    from demos.captioning.__main__ import RESULTS
    from demos.captioning.panel import caption_scene, shipped_model

    shipped = json.loads((RESULTS / "panel_scene.json").read_text())
    model, trained_max = shipped_model(torch.device("cpu"))
    again = caption_scene(model, shipped["scene"], torch.device("cpu"), beam=shipped["beam"], trained_max=trained_max)
    assert again["words"] == shipped["words"] and again["looks"] == shipped["looks"]
    assert np.allclose(again["attention"], shipped["attention"], atol=1e-4)
    assert again == shipped or {k for k in again if again[k] != shipped[k]} <= {"attention", "log_prob"}


def test_the_gpu_check_runs_on_the_cpu_at_toy_sizes() -> None:
    """``python -m demos.gpu_check --only captioning`` runs this on a GPU; here every stage runs, tiny, on the CPU."""
    from demos.captioning.gpu import gpu_check

    found = gpu_check(torch.device("cpu"), tiny=True)
    assert found["train_steps"] == 12 and found["loss_fell"] is True
    assert float(found["attention_row_sum_max_error"]) < 1e-5
    assert float(found["ms_per_image_greedy"]) > 0 and float(found["ms_per_image_beam3"]) > 0
