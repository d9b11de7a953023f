"""Captioning demo, model side: shapes, attention that sums to 1, the loss, greedy and beam decoding."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from demos.captioning.captions import END, WORD_ID, encode
from demos.captioning.model import AdditiveAttention, Captioner, ModelConfig, beam_search, caption_loss, greedy
from demos.captioning.train import load, save
from tests.unit.torch_threads import one_torch_thread  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# A tiny network with the decoder as published (start from the image, attend before the word, feed the context
# back); the tests of the shipped decoder's switches build their own.
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


def _model(config: ModelConfig = TINY, seed: int = 0) -> Captioner:
    torch.manual_seed(seed)
    return Captioner(config).eval()


def test_shapes_and_attention_sums_to_one_over_the_grid() -> None:
    model = _model()
    images = torch.rand(3, 3, 64, 64)
    tokens = torch.tensor([[*encode("a small red circle".split()), 0, 0]] * 3)  # (3, 8)
    features, projected, (h, c, fed) = model.start(images)
    assert features.shape == (3, 64, 16) and projected.shape == (3, 64, 16) and h.shape == c.shape == (3, 32)
    assert fed.shape == (3, 16)  # the context the first LSTM step reads (zeros)
    logits, alphas = model(images, tokens)
    assert logits.shape == (3, 7, TINY.vocab) and alphas.shape == (3, 7, 64)
    assert torch.allclose(alphas.sum(-1), torch.ones(3, 7), atol=1e-6)
    assert (alphas >= 0).all()
    small = _model(ModelConfig(image_size=32, channels=(8, 8, 16), feature_dim=16, hidden_dim=32))
    assert small.start(torch.rand(2, 3, 32, 32))[0].shape == (2, 16, 16)  # a 4 x 4 grid


def test_attention_weights_follow_the_scores() -> None:
    torch.manual_seed(1)
    attention = AdditiveAttention(feature_dim=4, hidden_dim=3, attention_dim=5)
    features = torch.randn(2, 6, 4)  # (B, L, D)
    h = torch.randn(2, 3)
    context, alpha = attention(features, attention.features(features), h)
    scores = attention.score(torch.tanh(attention.features(features) + attention.hidden(h)[:, None])).squeeze(-1)
    assert torch.allclose(alpha, torch.softmax(scores, dim=1))
    assert torch.allclose(context, (alpha[..., None] * features).sum(1), atol=1e-6)


def test_doubly_stochastic_penalty_by_hand() -> None:
    # One image, three steps of which the last is padding; four grid cells with uniform attention:
    # coverage 0.25 * 2 = 0.5 per cell, penalty sum_l (1 - 0.5)^2 = 1.0.
    tokens = torch.tensor([[WORD_ID["<start>"], WORD_ID["a"], WORD_ID[END], 0]])  # (1, 4)
    logits = torch.zeros(1, 3, 5)
    alphas = torch.full((1, 3, 4), 0.25)
    total, ce = caption_loss(logits, alphas, tokens.clamp(max=4), doubly_stochastic=0.5)
    assert ce.item() == pytest.approx(torch.log(torch.tensor(5.0)).item())
    assert total.item() == pytest.approx(ce.item() + 0.5 * 1.0)
    assert caption_loss(logits, alphas, tokens.clamp(max=4), 0.0)[0].item() == pytest.approx(ce.item())


def test_beam_of_width_one_is_greedy_and_maps_follow_the_chosen_path() -> None:
    model = _model(seed=3)
    images = torch.rand(2, 3, 64, 64)
    for i in range(2):
        g = greedy(model, images[i : i + 1], max_len=12)[0]
        b1 = beam_search(model, images[i], width=1, max_len=12)
        assert b1.words == g.words and torch.allclose(b1.alphas, g.alphas, atol=1e-6)
        assert b1.log_prob == pytest.approx(g.log_prob, abs=1e-4)


@pytest.mark.parametrize("width", [2, 5])
def test_beam_returns_the_attention_and_log_probability_of_its_own_caption(width: int) -> None:
    model = _model(seed=7)
    image = torch.rand(3, 64, 64)
    out = beam_search(model, image, width=width, max_len=10)
    ended = len(out.words) < 10
    tokens = torch.tensor([encode(out.words)]) if ended else torch.tensor([encode(out.words)[:-1]])
    with torch.no_grad():
        logits, alphas = model(image[None], tokens)  # teacher forcing along the beam's own caption
    assert torch.allclose(out.alphas, alphas[0, : len(out.words)], atol=1e-5)
    logp = torch.log_softmax(logits[0], dim=-1).gather(1, tokens[0, 1:, None]).sum()
    assert out.log_prob == pytest.approx(logp.item(), abs=1e-4)
    with pytest.raises(ValueError, match="width"):
        beam_search(model, image, width=0)


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    model = _model(seed=5)
    save(model, tmp_path / "m.pt")
    again = load(tmp_path / "m.pt", torch.device("cpu"))
    images = torch.rand(2, 3, 64, 64)
    assert [d.words for d in greedy(model, images, 8)] == [d.words for d in greedy(again, images, 8)]
    assert again.config == TINY
    with pytest.raises(FileNotFoundError, match=r"python -m demos\.captioning train"):
        load(tmp_path / "missing.pt", torch.device("cpu"))


def test_attention_entropy_term_by_hand() -> None:
    # Uniform attention over four cells has entropy ln 4 at every valid step; padded steps do not count.
    tokens = torch.tensor([[WORD_ID["<start>"], WORD_ID["a"], WORD_ID[END], 0]])  # (1, 4)
    logits = torch.zeros(1, 3, 5)
    alphas = torch.full((1, 3, 4), 0.25)
    alphas[0, 2] = torch.tensor([1.0, 0.0, 0.0, 0.0])  # the padded step: would lower the mean if it counted
    total, ce = caption_loss(logits, alphas, tokens.clamp(max=4), doubly_stochastic=0.0, entropy=0.1)
    assert total.item() == pytest.approx(ce.item() + 0.1 * torch.log(torch.tensor(4.0)).item())


@pytest.mark.parametrize("look_after_word", [False, True])
def test_where_feedback_gives_the_lstm_only_the_attended_position(look_after_word: bool) -> None:
    config = ModelConfig(
        channels=(8, 8, 16),
        feature_dim=16,
        hidden_dim=32,
        embed_dim=8,
        attention_dim=16,
        init_from_image=False,
        look_after_word=look_after_word,
        feedback="where",
    )
    model = _model(config)
    assert model.lstm.input_size == 8 + 2
    images = torch.rand(2, 3, 64, 64)
    features, projected, (h, c, fed) = model.start(images)
    assert not h.any() and not c.any() and fed.shape == (2, 2)  # nothing of the image before the first look
    words = torch.full((2,), WORD_ID["<start>"])
    _, (_, _, fed), alpha = model.step(words, (h, c, fed), features, projected)
    centres = (torch.arange(8) + 0.5) / 8 * 2 - 1  # cell centres in (-1, 1), row-major grid
    expected_x = (alpha.view(2, 8, 8) * centres.view(1, 1, 8)).sum(dim=(1, 2))
    expected_y = (alpha.view(2, 8, 8) * centres.view(1, 8, 1)).sum(dim=(1, 2))
    if look_after_word:
        assert torch.allclose(fed, torch.stack([expected_x, expected_y], dim=1), atol=1e-6)
    _, alphas = model(images, torch.tensor([encode("a small red circle".split())] * 2))
    assert torch.allclose(alphas.sum(-1), torch.ones(2, 5), atol=1e-6)
    with pytest.raises(ValueError, match="feedback"):
        Captioner(ModelConfig(feedback="what"))  # type: ignore[arg-type]


def test_the_config_defaults_are_the_shipped_model_and_the_ablations_are_named() -> None:
    """ModelConfig() used to describe the published decoder while the shipped model overrode three switches."""
    import json
    from dataclasses import asdict

    from demos.captioning.train import ABLATIONS, CHECKPOINT, SHOW_ATTEND_TELL, TrainConfig

    saved = torch.load(CHECKPOINT, map_location="cpu", weights_only=True)["config"]
    assert saved == asdict(ModelConfig())
    recorded = json.loads(CHECKPOINT.with_suffix(".json").read_text())["config"]
    assert recorded == json.loads(json.dumps(asdict(TrainConfig())))  # the recipe's defaults made the checkpoint
    assert ABLATIONS["shipped"] == TrainConfig()
    assert (
        ABLATIONS["show-attend-tell"].model == SHOW_ATTEND_TELL and ABLATIONS["show-attend-tell"].attention_entropy == 0
    )
    assert len({(c.model, c.attention_entropy) for c in ABLATIONS.values()}) == len(ABLATIONS)  # all different


def test_dropout_draws_the_masks_nn_dropout_would_from_a_private_generator() -> None:
    model = _model().train()
    x = torch.randn(4, 48)
    torch.manual_seed(3)
    expected = torch.nn.functional.dropout(x, TINY.dropout, training=True)
    assert torch.equal(model._dropout(x, torch.Generator().manual_seed(3)), expected)
    assert torch.equal(model.eval()._dropout(x, None), x)  # no dropout at inference


def test_training_is_seeded_and_another_sessions_seeded_work_does_not_change_it() -> None:
    """Two sessions share torch's global generator: a seeded training must neither read nor move it, and other
    code drawing from it under demos.common.seeded (as every lab builds its models) must not change the result."""
    import threading

    from demos.captioning.data import caption_set, make_split, scene_config
    from demos.captioning.train import TrainConfig, train
    from demos.common import seeded

    data = caption_set(make_split("train", 32, scene_config(1, 2)))
    config = TrainConfig(train_scenes=32, max_objects=2, steps=6, batch=8, warmup=2, model=TINY)
    before = torch.get_rng_state()
    alone, _ = train(config, torch.device("cpu"), data=data)
    assert torch.equal(torch.get_rng_state(), before)
    stop = threading.Event()

    def other_session() -> None:
        k = 0
        while not stop.is_set():
            with seeded(k):
                torch.nn.Linear(64, 64)  # another lab building its model
            k += 1
            stop.wait(0.002)  # a session does other work between models

    thread = threading.Thread(target=other_session)
    thread.start()
    try:
        side_by_side, _ = train(config, torch.device("cpu"), data=data)
    finally:
        stop.set()
        thread.join()
    assert all(
        torch.equal(a, b) for a, b in zip(alone.state_dict().values(), side_by_side.state_dict().values(), strict=True)
    )
