"""The quiz's items, defined once: what the quiz asks, what Progress counts, what Home and the export report.

An item is one of

* ``authored``: written in a card file (question/answer, cloze, multiple choice);
* ``generated``: a multiple-choice version of an authored question/answer item (:mod:`kb.quiz_gen`), when the
  search index can name the card's neighbours;
* ``imported``: a learner's own question/answer items from CSV, passed in by the caller (they belong to a
  learner, not to the content);
* ``computed``: a question template whose numbers are drawn fresh each time and whose answer the project's own
  code computes (:mod:`demos.questions`); one item per template, with the stable id ``predict:<template id>``.

Items come in study order (posts, sections, cards as Browse lists them; within a card: authored, computed,
generated, imported), so a new learner meets each card's computed questions beside its written ones. Items of a
card tagged ``trivia`` (about the blog itself) are left out of the default pool.

Listing the items imports no torch: templates are listed, not run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kb.cards import TRIVIA_TAG, Card, Problem, QuizItem
from kb.quiz_gen import mcq_from_qa

if TYPE_CHECKING:
    from sqlmodel import Session

    from kb.embed import Embedder
    from kb.search import Mode, SemanticIndex

Origin = Literal["authored", "generated", "imported", "computed"]
ORIGINS: tuple[Origin, ...] = ("authored", "generated", "imported", "computed")
COMPUTED_PREFIX = "predict:"
NEIGHBOURS = 12  # similar cards whose answers may serve as distractors of a generated MCQ
SIBLING_GAP = 2  # a card answered among the last this many items is not asked again if another card can be
MATCH_COSINE = 0.36  # a card matches a scope's words when its best passage is this close in meaning (as search's
MATCH_KEYWORD_SHARE = 0.75  # evaluated questions are), or it scores this share of the best keyword match
MATCH_LIMIT = 25  # search results considered for a scope
MATCH_LINKED, MATCH_LINKED_COSINE = 2, 0.28  # ... and a result linked from this many matched cards, this close
SPREAD_WINDOW = 5  # new items go round-robin over this many cards at a time (see spread)


@dataclass(frozen=True)
class Entry:
    """One quiz item with its card. ``template`` is the computed question's template id (computed items only)."""

    id: str
    card: Card
    item: QuizItem
    origin: Origin
    template: str | None = None

    @property
    def trivia(self) -> bool:
        return TRIVIA_TAG in self.card.tags


@dataclass(frozen=True)
class ItemSet:
    """Every quiz item by id, in study order."""

    entries: Mapping[str, Entry]

    def __getitem__(self, item_id: str) -> Entry:
        return self.entries[item_id]

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        """Items in the default pool (trivia left out): the count Home, the quiz and the export report."""
        return len(self.ids())

    def ids(
        self, *, cards: Iterable[str] | None = None, trivia: bool = False, origins: Iterable[Origin] | None = None
    ) -> list[str]:
        """Item ids in study order: of ``cards`` (all when None), of ``origins`` (all when None), trivia only when
        asked for."""
        wanted = set(cards) if cards is not None else None
        kinds = set(origins) if origins is not None else None
        return [
            e.id
            for e in self.entries.values()
            if (wanted is None or e.card.id in wanted)
            and (trivia or not e.trivia)
            and (kinds is None or e.origin in kinds)
        ]

    def pool(self, *, trivia: bool = False) -> list[Entry]:
        """The entries of the default pool (trivia only when asked for), in study order."""
        return [self.entries[i] for i in self.ids(trivia=trivia)]

    def counts(self, *, trivia: bool = False) -> dict[Origin, int]:
        """Items by origin, of the default pool (or with trivia)."""
        found = Counter(self.entries[i].origin for i in self.ids(trivia=trivia))
        return {origin: found.get(origin, 0) for origin in ORIGINS}


def item_id(card_id: str, item: QuizItem) -> str:
    return f"{card_id}:{item.key}"


Imported = tuple[str, str, QuizItem]  # (item id as stored, card id, item): one of a learner's CSV items


def build_items(
    cards: Sequence[Card],
    *,
    neighbours: Callable[[str], Sequence[str]] | None = None,
    imported: Iterable[Imported] = (),
    computed: bool = True,
) -> ItemSet:
    """The quiz's items for ``cards`` (in the order given).

    ``neighbours(card_id)`` names the cards most similar to a card, best first (from the search index); without
    it no multiple-choice items are generated. ``imported`` holds a learner's CSV items as (item id, card id, item);
    an item whose card is unknown is skipped. ``computed=False`` leaves the computed questions out."""
    by_id = {c.id: c for c in cards}
    own: dict[str, list[tuple[str, QuizItem]]] = {}
    for imported_id, card_id, item in imported:
        if card_id in by_id:
            own.setdefault(card_id, []).append((imported_id, item))
    templates = _templates_by_card(set(by_id)) if computed else {}
    entries: dict[str, Entry] = {}

    def add(entry: Entry) -> None:
        entries.setdefault(entry.id, entry)  # the first form of a question wins

    for card in cards:
        for item in card.quiz:
            add(Entry(item_id(card.id, item), card, item, "authored"))
        for template_id, title in templates.get(card.id, ()):
            item = QuizItem(kind="predict", prompt=title, answer="computed each time it is asked")
            add(Entry(f"{COMPUTED_PREFIX}{template_id}", card, item, "computed", template=template_id))
        if neighbours is not None:
            near = [by_id[i] for i in neighbours(card.id)[:NEIGHBOURS] if i in by_id]
            for item in mcq_from_qa(card, near):
                add(Entry(item_id(card.id, item), card, item, "generated"))
        for imported_id, item in own.get(card.id, ()):
            add(Entry(imported_id, card, item, "imported"))
    return ItemSet(entries)


def with_imported(items: ItemSet, imported: Iterable[Imported]) -> ItemSet:
    """``items`` plus a learner's imported items, each placed after the last item of its card (as
    :func:`build_items` places them). An item of a card not in ``items`` is skipped; an id already present keeps
    its first form (an import the card itself now asks is the card's item)."""
    own: dict[str, list[tuple[str, QuizItem]]] = {}
    for imported_id, card_id, item in imported:
        own.setdefault(card_id, []).append((imported_id, item))
    if not own:
        return items
    last = {e.card.id: e.id for e in items}  # each card's last entry, in study order
    entries: dict[str, Entry] = {}
    for entry in items:
        entries[entry.id] = entry
        if last[entry.card.id] == entry.id:
            for imported_id, item in own.get(entry.card.id, ()):
                entries.setdefault(imported_id, Entry(imported_id, entry.card, item, "imported"))
    return ItemSet(entries)


def _templates_by_card(card_ids: set[str]) -> dict[str, list[tuple[str, str]]]:
    """(template id, title) of every computed question, under the first of its cards that exists."""
    from demos.questions import TEMPLATES

    out: dict[str, list[tuple[str, str]]] = {}
    for template in TEMPLATES:
        owner = next((c for c in template.cards if c in card_ids), None)
        if owner is not None:
            out.setdefault(owner, []).append((template.id, template.title))
    return out


def pick_next(queue: Sequence[str], recent_cards: Sequence[str], items: ItemSet, gap: int = SIBLING_GAP) -> str | None:
    """The item to ask next from ``queue`` (in the scheduler's order), so that siblings (items of one card, and
    one question in two forms) are not asked back to back: the first item whose card is not among the last
    ``gap`` cards answered; failing that, the first whose card is not the very last; failing that, the first."""
    if not queue:
        return None
    for avoid in (set(recent_cards[-gap:]) if gap else set(), set(recent_cards[-1:])):
        for candidate in queue:
            if candidate in items and items[candidate].card.id not in avoid:
                return candidate
    return queue[0]


def template_problems(card_ids: set[str]) -> list[Problem]:
    """Computed questions that no existing card can own, or that name a lab the registry does not have."""
    from demos.questions import TEMPLATES
    from demos.registry import by_name

    labs = by_name()
    out = []
    for template in TEMPLATES:
        where = f"demos/questions: {template.id}"
        if not any(c in card_ids for c in template.cards):
            out.append(Problem(where, "cards", f"none of {', '.join(template.cards)} is a card; name an existing card"))
        if template.lab is not None and template.lab not in labs:
            out.append(Problem(where, "lab", f"no lab named {template.lab!r} in demos/registry.py"))
    return out


def matching_cards(
    words: str,
    *,
    cards: dict[str, Card],
    session: Session,
    index: SemanticIndex | None = None,
    embedder: Embedder | None = None,
) -> list[str]:
    """Cards a quiz scope of ``words`` covers, best first, found by the search engine (meaning and keywords when
    there is an index and a model, keywords alone otherwise): those whose meaning is close enough to the words
    (:data:`MATCH_COSINE`) or that match them nearly as well as the best keyword hit, then the results the related
    links of several such cards point at. Nothing for a weak match."""
    from kb.search import search

    mode: Mode = "hybrid" if index is not None and embedder is not None and len(index) else "keyword"
    result = search(words, cards=cards, session=session, index=index, embedder=embedder, mode=mode, k=MATCH_LIMIT)
    if result.weak:
        return []
    best = max((h.keyword or 0.0 for h in result.hits), default=0.0)
    core = [
        h.id
        for h in result.hits
        if (h.semantic or 0.0) >= MATCH_COSINE or (best > 0 and (h.keyword or 0.0) >= MATCH_KEYWORD_SHARE * best)
    ]
    # A result that the curated links of several matched cards point at belongs to the same family, even when
    # its own text says little about the words (Momentum, for "optimiser").
    linked = Counter(r for c in core for r in cards[c].related if r not in core)
    family = [h.id for h in result.hits if linked[h.id] >= MATCH_LINKED and (h.semantic or 0.0) >= MATCH_LINKED_COSINE]
    return core + family


def spread(ids: Sequence[str], items: ItemSet, window: int = SPREAD_WINDOW) -> list[str]:
    """``ids`` in study order, but round-robin within each run of ``window`` cards: every card's first item, then
    every card's second, and so on. New items given to the scheduler in this order keep a card's siblings apart
    (Anki buries them until another day) while the learner still meets a few cards at a time."""
    by_card: dict[str, list[str]] = {}
    for i in ids:
        by_card.setdefault(items[i].card.id, []).append(i)
    groups = list(by_card.values())
    out: list[str] = []
    for start in range(0, len(groups), window):
        chunk = groups[start : start + window]
        for rank in range(max(len(g) for g in chunk)):
            out += [g[rank] for g in chunk if rank < len(g)]
    return out
