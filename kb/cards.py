"""Load and validate the study cards in ``content/``.

A card is one Markdown file with YAML front matter (see README, "Adding or editing a card"). Loading never
stops at the first broken card: every problem is collected with its file, field and line, and every valid
card is still returned, so the app can show what works and list what does not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from rapidfuzz import fuzz, process

from kb.answers import normalise_answer

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
CONTENT_DIR_ENV = "KB_CONTENT_DIR"  # points the app and the CLI at another content folder
POSTS_FILE = "posts.yaml"
SOURCE_FILE = "source/dl-notes-2018-12.txt"  # the six posts as published; every note bullet quotes it exactly

QuizKind = Literal[
    "qa", "cloze", "mcq", "predict"
]  # "predict": a computed question (kb.items), never written in a file
QUIZ_KINDS: tuple[str, ...] = ("qa", "cloze", "mcq")
MCQ_OPTIONS = 4
MIN_QUIZ_ITEMS = 2
EXPLAINED_SENTENCES = (2, 6)
MAX_CARD_BYTES = 32 * 1024  # the largest real card is under 4 KB

SECTION_NOTES = "Notes"
SECTION_EXPLAINED = "Explained"
SECTION_MISSING = "Missing from the source"
BODY_SECTIONS = (SECTION_NOTES, SECTION_EXPLAINED, SECTION_MISSING)

CARD_FIELDS = {"id", "title", "post", "section", "tags", "related", "quiz"}
REQUIRED_FIELDS = ("id", "title", "post", "section", "tags", "related", "quiz")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CLOZE_RE = re.compile(r"\{\{c1::(.+?)(?:::(.+?))?\}\}")
ANY_CLOZE_RE = re.compile(r"\{\{c\d+::")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, pointing at the file, field and (1-based) line."""

    file: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


@dataclass(frozen=True)
class Post:
    slug: str
    day: int | None
    date: dt.date
    title: str
    blurb: str
    sections: tuple[str, ...]
    start_here: str | None = None  # why a learner should begin with this post, if they should

    @property
    def label(self) -> str:
        prefix = f"Day #{self.day}" if self.day is not None else self.date.strftime("%d %b %Y")
        return f"{prefix} · {self.title}"


@dataclass(frozen=True)
class QuizItem:
    kind: QuizKind
    prompt: str  # the question; for cloze, the text with its {{c1::...}} deletion
    answer: str  # for cloze, the deleted term
    options: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()  # other answers that also count as right
    hint: str | None = None  # cloze hint, from {{c1::term::hint}}

    @property
    def question(self) -> str:
        """The prompt as a learner sees it: for cloze, the deletion shown as a Markdown blank."""
        return CLOZE_RE.sub(r"\\_\\_\\_\\_\\_", self.prompt) if self.kind == "cloze" else self.prompt

    @property
    def key(self) -> str:
        """Stable id within its card: editing the answer keeps it, rewording the question makes a new item."""
        return hashlib.sha1(f"{self.kind}\n{self.prompt}".encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    post_slug: str
    section: str
    tags: tuple[str, ...]
    related: tuple[str, ...]
    notes: str
    explained: str
    quiz: tuple[QuizItem, ...]
    missing: str | None = None
    source: str = ""  # path relative to the content folder

    @property
    def content_hash(self) -> str:
        payload = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def note_bullets(self) -> list[str]:
        return [m.group(1).strip() for m in re.finditer(r"^\s*[-*]\s+(.*)$", self.notes, re.M)]


@dataclass
class LoadResult:
    posts: list[Post] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files_read: int = 0
    broken_ids: set[str] = field(default_factory=set)  # ids of card files that exist but failed validation

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------------------------------------- parsing


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the same marks, far faster


class _Located:
    """YAML parsed together with the line of every key, so problems can name their line."""

    def __init__(self, text: str, first_line: int) -> None:
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            self.data: Any = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
        self.lines: dict[str, int] = {}
        if node is not None:
            self._walk(node, "", first_line)

    def _walk(self, node: yaml.Node, path: str, offset: int) -> None:
        self.lines.setdefault(path, node.start_mark.line + offset)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                sub = f"{path}.{key_node.value}" if path else str(key_node.value)
                self.lines[sub] = key_node.start_mark.line + offset
                self._walk(value_node, sub, offset)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, f"{path}[{i}]", offset)

    def line(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = re.sub(r"(\[\d+\]|\.[^.\[]+)$", "", path) if re.search(r"[.\[]", path) else ""
        return self.lines.get("")


_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|et al|vs|etc|cf|approx|fig|eq|no|resp)\.", re.I)


def count_sentences(text: str) -> int:
    """Count sentences, not tripping on e.g., i.e., et al., decimals or version numbers."""
    masked = _ABBREVIATIONS.sub(lambda m: m.group(0).replace(".", "_"), text.strip())
    sentences = re.findall(r"[^.!?]*[^.!?\s][^.!?]*[.!?]+[\"')\]]*(?=\s|$)", masked)
    tail = re.sub(r".*[.!?][\"')\]]*(?=\s|$)", "", masked, flags=re.S).strip()
    return len(sentences) + (1 if tail else 0)


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Return (front matter, body, line where the body starts), or None when there is no front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), i + 2
    return None


def split_body(body: str, first_line: int) -> tuple[dict[str, str], dict[str, int], list[tuple[str, int]]]:
    """Split the Markdown body at its ``## `` headings. Returns texts, heading lines, and stray text."""
    texts: dict[str, list[str]] = {}
    lines_at: dict[str, int] = {}
    stray: list[tuple[str, int]] = []
    current: str | None = None
    for n, line in enumerate(body.splitlines(), start=first_line):
        heading = re.match(r"^##\s+(.+?)\s*#*\s*$", line)
        if heading:
            current = heading.group(1)
            if current in texts:
                stray.append((f"heading '## {current}' appears twice", n))
            texts.setdefault(current, [])
            lines_at.setdefault(current, n)
        elif current is None:
            if line.strip():
                stray.append((f"text before the first '## ' heading: {line.strip()[:40]!r}", n))
        else:
            texts[current].append(line)
    return {k: "\n".join(v).strip() for k, v in texts.items()}, lines_at, stray


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _str_list(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, list) and all(_text(v) for v in value):
        return [_text(v) or "" for v in value]
    return None


def load_posts(content_dir: Path) -> tuple[list[Post], list[Problem]]:
    path = content_dir / POSTS_FILE
    rel = POSTS_FILE
    problems: list[Problem] = []
    if not path.exists():
        return [], [Problem(rel, "file", f"missing: {path} lists the posts and their sections")]
    try:
        located = _Located(path.read_text(encoding="utf-8"), first_line=1)
    except yaml.YAMLError as exc:
        line = exc.problem_mark.line + 1 if getattr(exc, "problem_mark", None) else None
        return [], [Problem(rel, "yaml", f"not valid YAML: {getattr(exc, 'problem', exc)}", line)]
    if not isinstance(located.data, list):
        return [], [Problem(rel, "posts", "must be a list of posts")]
    posts: list[Post] = []
    for i, raw in enumerate(located.data):
        where = f"[{i}]"
        if not isinstance(raw, dict):
            problems.append(Problem(rel, where, "each post must be a mapping", located.line(where)))
            continue
        missing = [k for k in ("slug", "date", "title", "sections") if k not in raw]
        if missing:
            problems.append(Problem(rel, where, f"missing {', '.join(missing)}", located.line(where)))
            continue
        sections = _str_list(raw["sections"])
        if not sections:
            problems.append(
                Problem(
                    rel, f"{where}.sections", "must list the post's section headings", located.line(f"{where}.sections")
                )
            )
            continue
        if not isinstance(raw["date"], dt.date):
            problems.append(
                Problem(rel, f"{where}.date", "must be a date like 2018-12-24", located.line(f"{where}.date"))
            )
            continue
        posts.append(
            Post(
                slug=str(raw["slug"]),
                day=raw.get("day"),
                date=raw["date"],
                title=str(raw["title"]),
                blurb=str(raw.get("blurb", "")).strip(),
                sections=tuple(sections),
                start_here=raw.get("start_here"),
            )
        )
    return posts, problems


def file_problem(path: Path, content_dir: Path) -> str | None:
    """Why a card file is refused before it is read, or None: a symlink that leads outside the content folder
    (it could publish any file the server can read), or a file over :data:`MAX_CARD_BYTES`."""
    try:
        target = path.resolve(strict=True)
    except OSError:
        return "a broken symlink; point it at a card inside the content folder or remove it"
    if not target.is_relative_to(content_dir.resolve()):
        return "a symlink to a file outside the content folder; copy the card into the folder instead"
    size = target.stat().st_size
    if size > MAX_CARD_BYTES:
        return f"{size / 1024:.0f} KB; a card is at most {MAX_CARD_BYTES // 1024} KB: split it into cards"
    return None


def parse_card(path: Path, content_dir: Path, posts: list[Post]) -> tuple[Card | None, list[Problem], str | None]:
    """Parse and validate one card file on its own. Returns (card or None, problems, id if one was readable)."""
    rel = path.relative_to(content_dir).as_posix()
    problems: list[Problem] = []

    def bad(fieldname: str, message: str, line: int | None = None) -> None:
        problems.append(Problem(rel, fieldname, message, line))

    refused = file_problem(path, content_dir)
    if refused:
        bad("file", refused)
        return None, problems, None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        bad("file", f"not UTF-8 text ({exc.reason}); save it as UTF-8")
        return None, problems, None
    parts = split_front_matter(text)
    if parts is None:
        bad("front matter", "the file must start with a '---' line, YAML fields, and a closing '---' line", 1)
        return None, problems, None
    front, body, body_line = parts
    try:
        located = _Located(front, first_line=2)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        bad(
            "yaml",
            f"front matter is not valid YAML: {reason} (quote text that contains ': ' or '#')",
            mark.line + 2 if mark else None,
        )
        return None, problems, None
    data = located.data
    if not isinstance(data, dict):
        bad("front matter", "must be YAML fields (key: value), not a list or plain text", 2)
        return None, problems, None
    at = located.line

    for key in sorted(set(map(str, data)) - CARD_FIELDS):
        hint = "; which cards a lab illustrates is set in demos/registry.py" if key == "demo" else ""
        bad(key, f"unknown field; allowed fields are {', '.join(sorted(CARD_FIELDS))}{hint}", at(key))
    for key in REQUIRED_FIELDS:
        if key not in data or data[key] is None:
            bad(key, "required field is missing", at(key) or 2)

    card_id = _text(data.get("id"))
    if "id" in data:
        if card_id is None or not SLUG_RE.match(card_id):
            bad("id", f"{data.get('id')!r} is not a slug: use lowercase letters, digits and single hyphens", at("id"))
            card_id = None
        elif card_id != path.stem:
            bad("id", f"'{card_id}' does not match the file name '{path.name}'; rename one of them", at("id"))
    title = _text(data.get("title"))
    if "title" in data and title is None:
        bad("title", "must be non-empty text naming the concept", at("title"))

    post_slug: str | None = None
    raw_post = data.get("post")
    if isinstance(raw_post, dict):
        match = [p for p in posts if p.day == raw_post.get("day") and p.date == raw_post.get("date")]
        if not match:
            known = "; ".join(f"day {p.day}, date {p.date}" for p in posts)
            bad(
                "post",
                f"no post with day {raw_post.get('day')} and date {raw_post.get('date')}; known: {known}",
                at("post"),
            )
        else:
            post = match[0]
            post_slug = post.slug
            if _text(raw_post.get("title")) != post.title:
                bad("post.title", f"must be the post's title exactly: {post.title!r}", at("post.title"))
            if path.parent.name != post.slug:
                bad(
                    "post",
                    f"the card belongs to post '{post.slug}' but sits in '{path.parent.name}/'; "
                    f"move it to content/{post.slug}/",
                    at("post"),
                )
    elif raw_post is not None:
        bad("post", "must be a mapping with day, date and title (see posts.yaml)", at("post"))

    section = _text(data.get("section"))
    if "section" in data:
        if section is None:
            bad("section", "must name the heading in the post this card comes from", at("section"))
        elif post_slug is not None:
            post = next(p for p in posts if p.slug == post_slug)
            if section not in post.sections:
                bad(
                    "section",
                    f"{section!r} is not a section of {post.slug}; its sections are: {', '.join(post.sections)}",
                    at("section"),
                )

    tags = _str_list(data.get("tags"))
    if tags is None or ("tags" in data and not tags):
        bad("tags", "must be a non-empty list of tags, e.g. [cnn, detection]", at("tags"))
        tags = []
    for i, tag in enumerate(tags):
        if not SLUG_RE.match(tag):
            bad(f"tags[{i}]", f"{tag!r} is not a tag: use lowercase words joined by hyphens", at(f"tags[{i}]"))

    related = _str_list(data.get("related"))
    if related is None:
        bad("related", "must be a list of card ids, e.g. [intersection-over-union]", at("related"))
        related = []
    if card_id and card_id in related:
        bad("related", "a card cannot be related to itself", at("related"))
    if len(set(related)) != len(related):
        bad("related", "lists the same card twice", at("related"))

    quiz = _parse_quiz(data.get("quiz"), at, bad) if "quiz" in data else ()

    texts, heading_lines, stray = split_body(body, body_line)
    for message, line in stray:
        bad("body", message, line)
    for heading in texts:
        if heading not in BODY_SECTIONS:
            bad(
                "body",
                f"unknown heading '## {heading}'; use {', '.join('## ' + s for s in BODY_SECTIONS)}",
                heading_lines[heading],
            )
    notes = texts.get(SECTION_NOTES, "")
    if not notes:
        bad(
            SECTION_NOTES,
            "the '## Notes' section is missing or empty: copy the author's bullets for this concept",
            heading_lines.get(SECTION_NOTES, body_line),
        )
    explained = texts.get(SECTION_EXPLAINED, "")
    low, high = EXPLAINED_SENTENCES
    if not explained:
        bad(
            SECTION_EXPLAINED,
            "the '## Explained' section is missing or empty",
            heading_lines.get(SECTION_EXPLAINED, body_line),
        )
    elif not low <= (n := count_sentences(explained)) <= high:
        bad(SECTION_EXPLAINED, f"has {n} sentences; write {low} to {high}", heading_lines[SECTION_EXPLAINED])
    missing = texts.get(SECTION_MISSING) or None
    if SECTION_MISSING in texts and not missing:
        bad(
            SECTION_MISSING, "is empty; say what the source lost, or remove the heading", heading_lines[SECTION_MISSING]
        )

    if problems or card_id is None or title is None or post_slug is None or section is None:
        return None, problems, card_id
    card = Card(
        id=card_id,
        title=title,
        post_slug=post_slug,
        section=section,
        tags=tuple(tags),
        related=tuple(related),
        notes=notes,
        explained=explained,
        quiz=quiz,
        missing=missing,
        source=rel,
    )
    for i, fieldname, message in item_problems(card):
        bad(f"quiz[{i}].{fieldname}", message, at(f"quiz[{i}].{fieldname}") or at(f"quiz[{i}]"))
    if problems:
        return None, problems, card_id
    return card, problems, card_id


def _parse_quiz(raw: Any, at: Any, bad: Any) -> tuple[QuizItem, ...]:
    if not isinstance(raw, list):
        bad("quiz", "must be a list of quiz items", at("quiz"))
        return ()
    items: list[QuizItem] = []
    for i, item in enumerate(raw):
        where = f"quiz[{i}]"
        if not isinstance(item, dict):
            bad(where, "each quiz item must be a mapping with a 'type'", at(where))
            continue
        kind = item.get("type")
        allowed = {
            "qa": {"type", "question", "answer"},
            "cloze": {"type", "text", "accept"},
            "mcq": {"type", "question", "options", "answer"},
        }
        if kind not in allowed:
            bad(
                f"{where}.type", f"{kind!r} is not a quiz type; use one of {', '.join(QUIZ_KINDS)}", at(f"{where}.type")
            )
            continue
        for key in sorted(set(map(str, item)) - allowed[kind]):
            bad(
                f"{where}.{key}",
                f"not a field of a {kind} item; allowed: {', '.join(sorted(allowed[kind]))}",
                at(f"{where}.{key}"),
            )
        if kind == "qa":
            question, answer = _text(item.get("question")), _text(item.get("answer"))
            for name, value in (("question", question), ("answer", answer)):
                if value is None:
                    bad(f"{where}.{name}", "is missing or empty", at(f"{where}.{name}") or at(where))
            if question and answer:
                items.append(QuizItem(kind="qa", prompt=question, answer=answer))
        elif kind == "cloze":
            text = _text(item.get("text"))
            accept = _str_list(item.get("accept"))
            if accept is None:
                bad(f"{where}.accept", "must be a list of other accepted answers", at(f"{where}.accept"))
                accept = []
            if text is None:
                bad(f"{where}.text", "is missing or empty", at(f"{where}.text") or at(where))
                continue
            deletions = CLOZE_RE.findall(text)
            if len(deletions) != 1 or len(ANY_CLOZE_RE.findall(text)) != 1:
                bad(
                    f"{where}.text",
                    f"needs exactly one {{{{c1::term}}}} deletion, found {len(deletions)}",
                    at(f"{where}.text"),
                )
                continue
            term, hint = deletions[0]
            if not term.strip():
                bad(f"{where}.text", "the {{c1::...}} deletion is empty", at(f"{where}.text"))
                continue
            items.append(
                QuizItem(
                    kind="cloze", prompt=text, answer=term.strip(), accept=tuple(accept), hint=hint.strip() or None
                )
            )
        else:
            question, answer = _text(item.get("question")), _text(item.get("answer"))
            options = _str_list(item.get("options"))
            if question is None:
                bad(f"{where}.question", "is missing or empty", at(f"{where}.question") or at(where))
            if options is None or len(options) != MCQ_OPTIONS:
                bad(f"{where}.options", f"must list exactly {MCQ_OPTIONS} options", at(f"{where}.options") or at(where))
                continue
            if len(set(options)) != len(options):
                bad(f"{where}.options", "lists the same option twice", at(f"{where}.options"))
                continue
            if answer is None or answer not in options:
                bad(
                    f"{where}.answer",
                    f"{answer!r} is not one of the options; copy the right option exactly",
                    at(f"{where}.answer") or at(where),
                )
                continue
            if question:
                items.append(QuizItem(kind="mcq", prompt=question, answer=answer, options=tuple(options)))
    keys = [item.key for item in items]
    if len(set(keys)) != len(keys):
        bad("quiz", "two quiz items ask the same question", at("quiz"))
    if len(raw) < MIN_QUIZ_ITEMS:
        bad("quiz", f"has {len(raw)} item(s); every card needs at least {MIN_QUIZ_ITEMS}", at("quiz"))
    return tuple(items)


# ---------------------------------------------------------------------------------------------- item quality

TRIVIA_TAG = "trivia"  # a card about the blog itself: its items stay out of the quiz unless a learner asks
MCQ_LONGEST_RATIO = 1.3  # the right option may not be longer than every wrong one by more than this factor
MCQ_LONGEST_SHARE = 0.4  # ... and across all MCQs it may be the longest in at most this share (chance: 0.25)
MIN_MCQS_FOR_SHARE = 20  # the share is measured once there are this many MCQs
NEAR_DUPLICATE = 88  # rapidfuzz token_sort_ratio of two prompts at or above which they ask the same thing

# Words that point at something only the card (or the app) shows: a prompt with them cannot be answered on its
# own, e.g. in the Anki export. Curated from the prompts that had the problem.
_CONTEXT_NOUNS = (
    "list|lists|note|notes|card|cards|checklist|post|posts|blog|slide|slides|lecture|author|bullet|bullets|"
    "section|summary|passage|text|diagram|figure|table|program|programs|exercise|heading|above|below"
)
_CONTEXT_WORDS = re.compile(
    rf"\b(?:the|this|these|those|that)\s+(?:{_CONTEXT_NOUNS})\b|\bprogram\s*#?\s*\d+\b|\bthe following\b", re.I
)
_REFERENTS = (
    "setting|settings|pipeline|pipelines|design|designs|model|models|method|methods|approach|approaches|paper|"
    "papers|study|studies|architecture|architectures|idea|ideas|view|views|technique|techniques|framework|"
    "frameworks|experiment|experiments|scheme|schemes|project|projects|example|examples|result|results|claim|claims"
)
_BACK_REFERENCE = re.compile(rf"\b(?:this|these|those)\s+((?:[\w-]+\s+)?)({_REFERENTS})\b", re.I)
_TRIVIA_WORDS = re.compile(r"\b(?:blog|blogs|ranking|rankings|ranked|honorary)\b", re.I)


def _words(text: str) -> str:
    return f" {normalise_answer(text)} "


_STOP_WORDS = frozenset("a an and as at by for from in into of on or per the to with".split())


def cloze_giveaway(item: QuizItem, title: str, section: str) -> str | None:
    """Why a cloze item can be answered without recall, or None: every word of its answer (or of an accepted
    one) is in the card title, in the section heading (both may show before the answer), or elsewhere in its
    own sentence. Small words such as "of" and "the" do not count."""
    rest = CLOZE_RE.sub(" ", item.prompt)
    for answer in (item.answer, *item.accept):
        words = set(normalise_answer(answer).split()) - _STOP_WORDS
        if not words:
            continue
        for name, text in (("the card title", title), ("the section heading", section), ("its own sentence", rest)):
            if words <= set(normalise_answer(text).split()):
                return f"the answer {answer!r} can be read in {name}; blank a property, not the name"
    return None


def context_words(prompt: str) -> str | None:
    """The words of a prompt that point at the card or the notes instead of naming what they mean, or None."""
    found = _CONTEXT_WORDS.search(prompt)
    if found:
        return found.group(0)
    for m in _BACK_REFERENCE.finditer(prompt):
        if re.search(r"\bwhich (?:one )?of$", prompt[: m.start()].rstrip(), re.I):
            continue  # "which of these ...": the options that follow
        noun = normalise_answer(m.group(2))
        if noun and f" {noun} " not in _words(prompt[: m.start()]):
            return m.group(0)  # "these fusion models" with no models named before
    return None


def mcq_imbalance(item: QuizItem) -> str | None:
    """Why the right option of a multiple-choice item stands out by its length alone, or None."""
    wrong = sorted((len(o) for o in item.options if o != item.answer), reverse=True)
    if wrong and len(item.answer) > MCQ_LONGEST_RATIO * wrong[0]:
        return (
            f"the right option has {len(item.answer)} characters, the longest wrong one {wrong[0]}: make the "
            "options about as long as each other"
        )
    return None


def item_problems(card: Card) -> list[tuple[int, str, str]]:
    """(item index, field, message) for every quality problem of the card's own quiz items: give-away cloze
    items, prompts bound to their context, lopsided options, and blog trivia outside a trivia card."""
    out: list[tuple[int, str, str]] = []
    trivia = TRIVIA_TAG in card.tags
    for i, item in enumerate(card.quiz):
        field_name = "text" if item.kind == "cloze" else "question"
        prompt = CLOZE_RE.sub(lambda m: m.group(1), item.prompt) if item.kind == "cloze" else item.prompt
        if item.kind == "cloze" and (why := cloze_giveaway(item, card.title, card.section)):
            out.append((i, field_name, why))
        if (words := context_words(prompt)) and not (trivia and "blog" in words.lower()):  # a trivia card's subject
            out.append((i, field_name, f"{words!r} only makes sense next to the card; name what it refers to"))
        if not trivia and (blog := _TRIVIA_WORDS.search(prompt)):
            out.append(
                (i, field_name, f"{blog.group(0)!r} is blog trivia: tag the card '{TRIVIA_TAG}' or ask the concept")
            )
        if item.kind == "mcq" and (why := mcq_imbalance(item)):
            out.append((i, "options", why))
    return out


def _compared(item: QuizItem) -> str:
    text = CLOZE_RE.sub(lambda m: m.group(1), item.prompt) if item.kind == "cloze" else item.prompt
    return normalise_answer(text)


def near_duplicates(cards: list[Card], threshold: float = NEAR_DUPLICATE) -> list[tuple[Card, int, Card, int, float]]:
    """Pairs of quiz items, on one card or two, whose prompts are near-identical (one fact asked twice the same
    way): (card, item index, other card, other index, rapidfuzz token_sort_ratio), each pair once."""
    entries = [(card, i, _compared(item)) for card in cards for i, item in enumerate(card.quiz)]
    if len(entries) < 2:
        return []
    scores = process.cdist(
        [e[2] for e in entries], [e[2] for e in entries], scorer=fuzz.token_sort_ratio, score_cutoff=threshold
    )
    pairs = []
    for a, b in zip(*np.nonzero(np.triu(scores, k=1)), strict=True):
        (card_a, i, _), (card_b, j, _) = entries[int(a)], entries[int(b)]
        pairs.append((card_a, i, card_b, j, float(scores[a, b])))
    return pairs


def mcq_longest_share(cards: list[Card]) -> tuple[int, int]:
    """(MCQs whose right option is the longest, all MCQs): a learner who always picks the longest option scores
    the first over the second."""
    mcqs = [item for card in cards for item in card.quiz if item.kind == "mcq"]
    longest = sum(1 for q in mcqs if len(q.answer) == max(len(o) for o in q.options))
    return longest, len(mcqs)


# ---------------------------------------------------------------------------------------------- the source

_POST_HEADING = re.compile(r"^Day #(\d+)\b")
_FROM_POST = re.compile(r"^\s*[*_]?From (?:Day #(\d+)|the New Year post)[^:]*:[*_]?\s*$")


def source_posts(text: str) -> dict[int | None, list[str]]:
    """The source's lines by post: the day number of each "Day #N" heading, and ``None`` for the New Year post
    (everything before the first such heading)."""
    posts: dict[int | None, list[str]] = {None: []}
    day: int | None = None
    for line in text.splitlines():
        heading = _POST_HEADING.match(line)
        if heading:
            day = int(heading.group(1))
            posts.setdefault(day, [])
        posts[day].append(line)
    return posts


def quoted_bullets(notes: str, day: int | None) -> list[tuple[str, int | None, int]]:
    """(bullet as quoted, day of the post it is quoted from, 0-based line within ``notes``) for every bullet.

    Bullets come from the card's own post unless a line such as ``*From Day #172:*`` comes before them. A bullet
    that is wholly one code span (a formula with ``*`` in it, say) is quoted without its backticks."""
    out: list[tuple[str, int | None, int]] = []
    for n, line in enumerate(notes.splitlines()):
        marker = _FROM_POST.match(line)
        if marker:
            day = int(marker.group(1)) if marker.group(1) else None
            continue
        bullet = re.match(r"^\s*[-*]\s+(.*)$", line)
        if bullet is None:
            continue
        text = bullet.group(1).strip()
        if len(text) > 1 and text[0] == text[-1] == "`" and "`" not in text[1:-1]:
            text = text[1:-1]
        out.append((text, day, n))
    return out


def source_problems(cards: list[Card], posts: list[Post], source: str, content_dir: Path) -> list[Problem]:
    """Every note bullet must be a line, or part of a line, of the post it is quoted from, byte for byte."""
    by_day = source_posts(source)
    day_of = {p.slug: p.day for p in posts}
    problems: list[Problem] = []
    for card in cards:
        lines: list[str] | None = None
        for bullet, day, _ in quoted_bullets(card.notes, day_of.get(card.post_slug)):
            if any(bullet in line for line in by_day.get(day, [])):
                continue
            where = [d for d, text in by_day.items() if any(bullet in line for line in text)]
            if where:
                name = "the New Year post" if where[0] is None else f"Day #{where[0]}"
                message = (
                    f"the bullet {bullet[:60]!r} is from {name}, not this card's post; put a line "
                    f"'*From {name}:*' before it"
                )
            else:
                message = f"the bullet {bullet[:60]!r} is not in {SOURCE_FILE}; quote the source exactly, typos kept"
            if lines is None:
                lines = (content_dir / card.source).read_text(encoding="utf-8").splitlines()
            at = next((i for i, text in enumerate(lines, start=1) if bullet in text), None)
            problems.append(Problem(card.source, SECTION_NOTES, message, at))
    return problems


def content_dir_default() -> Path:
    """``$KB_CONTENT_DIR`` if set, else the project's content/ folder."""
    return Path(os.environ.get(CONTENT_DIR_ENV) or CONTENT_DIR)


def load_content(content_dir: Path | None = None) -> LoadResult:
    """Load posts and every card under ``content_dir``; collect every problem instead of stopping."""
    content_dir = content_dir or content_dir_default()
    result = LoadResult()
    result.posts, result.problems = load_posts(content_dir)
    files = sorted(p for p in content_dir.rglob("*.md") if p.name.lower() != "readme.md")
    result.files_read = len(files)
    for folder in sorted(p for p in content_dir.iterdir() if p.is_symlink() and p.is_dir()):
        result.problems.append(
            Problem(folder.name, "folder", "a symlinked folder is not read; move or copy the post's folder here")
        )
    seen: dict[str, str] = {}
    all_ids: set[str] = set()
    parsed: list[Card] = []
    for path in files:
        card, problems, card_id = parse_card(path, content_dir, result.posts)
        result.problems.extend(problems)
        if card_id is None:
            result.broken_ids.add(path.stem)  # unreadable: a valid card's id is its file name
            continue
        rel = path.relative_to(content_dir).as_posix()
        if card_id in seen:
            result.problems.append(
                Problem(rel, "id", f"'{card_id}' is already used by {seen[card_id]}; ids must be unique", 2)
            )
            continue
        seen[card_id] = rel
        all_ids.add(card_id)
        if card is not None:
            parsed.append(card)
        else:
            result.broken_ids.add(card_id)
    for card in parsed:
        unknown = [r for r in card.related if r not in all_ids]
        if unknown:
            result.problems.append(
                Problem(
                    card.source,
                    "related",
                    f"no card with id {', '.join(unknown)}; fix the id or remove it",
                    _line_of(content_dir / card.source, "related:"),
                )
            )
    result.problems.extend(_duplicate_problems(parsed, content_dir))
    longest, mcqs = mcq_longest_share(parsed)
    if mcqs >= MIN_MCQS_FOR_SHARE and longest > MCQ_LONGEST_SHARE * mcqs:
        result.problems.append(
            Problem(
                ".",
                "quiz",
                f"the right option is the longest in {longest} of {mcqs} multiple-choice items (more than "
                f"{MCQ_LONGEST_SHARE:.0%}): a learner could pick by length; lengthen some wrong options",
            )
        )
    source = content_dir / SOURCE_FILE
    if source.is_file():
        result.problems.extend(source_problems(parsed, result.posts, source.read_text(encoding="utf-8"), content_dir))
    result.cards = parsed
    order = {p.slug: (i, {s: j for j, s in enumerate(p.sections)}) for i, p in enumerate(result.posts)}
    result.cards.sort(key=lambda c: (order[c.post_slug][0], order[c.post_slug][1][c.section], c.title.lower()))
    return result


def _duplicate_problems(cards: list[Card], content_dir: Path) -> list[Problem]:
    problems = []
    for card_a, i, card_b, j, score in near_duplicates(cards):
        item = card_b.quiz[j]
        needle = item.prompt.split("\n")[0][:40]
        line = next(
            (
                n
                for n, text in enumerate((content_dir / card_b.source).read_text(encoding="utf-8").splitlines(), 1)
                if needle in text
            ),
            None,
        )
        problems.append(
            Problem(
                card_b.source,
                f"quiz[{j}]",
                f"asks what {card_a.source} quiz[{i}] asks ({score:.0f}% alike): one fact, one item, unless the "
                "second asks it from another side",
                line,
            )
        )
    return problems


def _line_of(path: Path, prefix: str) -> int | None:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(prefix):
            return n
    return None
