"""The card loader and validator: the real content is valid, and every kind of broken card is reported."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kb.cards import (
    MCQ_LONGEST_SHARE,
    Problem,
    count_sentences,
    item_problems,
    load_content,
    mcq_longest_share,
    near_duplicates,
)
from tests.conftest import REAL_CONTENT, ROOT, card_text


def problems_for(content, *, field: str | None = None) -> list[Problem]:
    result = load_content(content.root)
    return [p for p in result.problems if field is None or p.field == field]


# ------------------------------------------------------------------------------------------- real content


def test_real_content_is_valid_and_complete() -> None:
    result = load_content(REAL_CONTENT)
    assert result.problems == []
    assert len(result.cards) >= 100
    assert {p.slug for p in result.posts} == {c.post_slug for c in result.cards}
    assert len({c.id for c in result.cards}) == len(result.cards)
    for card in result.cards:
        assert len(card.quiz) >= 2, card.id
        assert card.note_bullets or card.notes, card.id


def test_real_content_keeps_the_notes_distinct_concepts_apart() -> None:
    ids = {c.id for c in load_content(REAL_CONTENT).cards}
    frameworks = {"caffe", "torch-lua", "theano", "lasagne", "tensorflow", "keras"}
    losses = {"mse-loss", "cross-entropy-loss", "nll-loss", "triplet-loss", "contrastive-loss"}
    detectors = {"rcnn", "fast-rcnn", "faster-rcnn", "feature-pyramid-network", "yolo", "ssd"}
    assert frameworks | losses | detectors | {"opencv-practice-programs"} <= ids


def test_lost_source_material_is_flagged_not_invented() -> None:
    cards = {c.id: c for c in load_content(REAL_CONTENT).cards}
    for card_id in ("deep-learning", "backpropagation", "transformer", "bayesian-cnn-tradeoffs"):
        assert cards[card_id].missing, f"{card_id} should say what the source lost"


# ------------------------------------------------------------------------------------------- each failure


def test_a_valid_card_loads(content) -> None:
    content("alpha")
    result = load_content(content.root)
    assert result.problems == []
    [card] = result.cards
    assert (card.id, card.post_slug, card.section, card.tags) == ("alpha", "day-1", "Basics", ("cnn",))
    assert [q.kind for q in card.quiz] == ["qa", "cloze"]
    assert card.quiz[1].answer == "thing"


def test_a_cloze_question_shows_a_blank_not_the_answer(content) -> None:
    content("alpha")
    [card] = load_content(content.root).cards
    assert card.quiz[1].question == r"Alpha: \_\_\_\_\_."
    assert card.quiz[0].question == card.quiz[0].prompt == "Alpha?"


def test_missing_front_matter(content) -> None:
    content("alpha", "## Notes\n- x\n")
    [p] = problems_for(content)
    assert (p.file, p.field, p.line) == ("day-1/alpha.md", "front matter", 1)


def test_invalid_yaml_names_the_line(content) -> None:
    text = card_text("alpha").replace("section: Basics", "section: [Basics")
    content("alpha", text)
    [p] = problems_for(content, field="yaml")
    assert p.line is not None and 8 <= p.line <= 10
    assert "not valid YAML" in p.message


def test_missing_required_field(content) -> None:
    content("alpha", card_text("alpha").replace("title: Alpha\n", ""))
    [p] = problems_for(content, field="title")
    assert "required" in p.message


def test_unknown_field_names_its_line(content) -> None:
    content("alpha", extra="colour: red\n")
    [p] = problems_for(content, field="colour")
    assert p.line == 11 and "unknown field" in p.message


@pytest.mark.parametrize(("bad_id", "expected"), [("Alpha Beta", "not a slug"), ("beta", "does not match")])
def test_bad_ids(content, bad_id: str, expected: str) -> None:
    content("alpha", card_text("alpha").replace("id: alpha", f"id: {bad_id}"))
    [p] = problems_for(content, field="id")
    assert expected in p.message and p.line == 2


def test_duplicate_ids_are_reported(content) -> None:
    content("alpha")
    content("alpha", folder="day-2", post="day-2", section="Other")
    dupes = [p for p in problems_for(content, field="id") if "already used" in p.message]
    assert len(dupes) == 1 and "day-1/alpha.md" in dupes[0].message


def test_related_must_exist_and_not_be_self(content) -> None:
    content("alpha", related="[nowhere]")
    content("beta", related="[beta]")
    messages = {p.file: p for p in problems_for(content, field="related")}
    assert "nowhere" in messages["day-1/alpha.md"].message and messages["day-1/alpha.md"].line == 10
    assert "itself" in messages["day-1/beta.md"].message


def test_related_to_an_existing_card_is_fine(content) -> None:
    content("alpha", related="[beta]")
    content("beta", related="[alpha]")
    assert load_content(content.root).problems == []


def test_empty_notes(content) -> None:
    content("alpha", notes="")
    [p] = problems_for(content, field="Notes")
    assert "empty" in p.message and p.line is not None


@pytest.mark.parametrize("explained", ["Only one sentence here.", " ".join(["A sentence."] * 7)])
def test_explained_must_have_two_to_six_sentences(content, explained: str) -> None:
    content("alpha", explained=explained)
    [p] = problems_for(content, field="Explained")
    assert "sentences" in p.message


def test_too_few_quiz_items(content) -> None:
    content("alpha", quiz="quiz:\n  - type: qa\n    question: Q?\n    answer: A.\n")
    [p] = problems_for(content, field="quiz")
    assert "at least 2" in p.message and p.line == 11


def test_mcq_answer_must_be_an_option(content) -> None:
    quiz = (
        "quiz:\n  - type: qa\n    question: Q?\n    answer: A.\n  - type: mcq\n    question: Which?\n"
        "    options: [a, b, c, d]\n    answer: e\n"
    )
    content("alpha", quiz=quiz)
    [p] = problems_for(content, field="quiz[1].answer")
    assert "not one of the options" in p.message and p.line == 18


def test_mcq_needs_four_distinct_options(content) -> None:
    quiz = (
        "quiz:\n  - type: qa\n    question: Q?\n    answer: A.\n  - type: mcq\n    question: Which?\n"
        "    options: [a, b, c]\n    answer: a\n"
    )
    content("alpha", quiz=quiz)
    [p] = problems_for(content, field="quiz[1].options")
    assert "exactly 4" in p.message


@pytest.mark.parametrize("text", ["No deletion at all.", "Two {{c1::a}} and {{c1::b}}.", "Other {{c2::x}} {{c1::y}}"])
def test_cloze_needs_exactly_one_deletion(content, text: str) -> None:
    quiz = f'quiz:\n  - type: qa\n    question: Q?\n    answer: A.\n  - type: cloze\n    text: "{text}"\n'
    content("alpha", quiz=quiz)
    [p] = problems_for(content, field="quiz[1].text")
    assert "exactly one" in p.message


def test_unknown_quiz_type(content) -> None:
    quiz = "quiz:\n  - type: qa\n    question: Q?\n    answer: A.\n  - type: essay\n    question: Why?\n"
    content("alpha", quiz=quiz)
    [p] = problems_for(content, field="quiz[1].type")
    assert "essay" in p.message


def test_post_must_exist_and_match_folder_and_section(content) -> None:
    content("alpha", card_text("alpha").replace("day: 1", "day: 9"))
    content("beta", folder="day-2")  # post day-1 but sits in day-2/
    content("gamma", section="Nowhere")
    by_file = {p.file: p for p in problems_for(content)}
    assert by_file["day-1/alpha.md"].field == "post" and "no post with day 9" in by_file["day-1/alpha.md"].message
    assert "move it to content/day-1/" in by_file["day-2/beta.md"].message
    assert by_file["day-1/gamma.md"].field == "section" and "Basics" in by_file["day-1/gamma.md"].message


def test_a_demo_field_points_to_the_registry_and_an_unknown_heading_is_named(content) -> None:
    content("alpha", extra="demo: teleport\n")
    content("beta", notes="- bullet\n\n## Trivia\nmore")
    assert "demos/registry.py" in problems_for(content, field="demo")[0].message
    assert "## Trivia" in problems_for(content, field="body")[0].message


def test_a_broken_card_does_not_stop_the_others(content) -> None:
    content("alpha")
    content("beta", "---\nid: beta\n")  # no closing front matter
    content("gamma", related="[alpha]")
    result = load_content(content.root)
    assert {c.id for c in result.cards} == {"alpha", "gamma"}
    assert [p.file for p in result.problems] == ["day-1/beta.md"]


def test_text_that_looks_like_html_is_kept_as_text(content) -> None:
    content("alpha", notes="- <script>alert(1)</script> is text")
    [card] = load_content(content.root).cards
    assert "<script>" in card.notes  # stored verbatim; pages render it with HTML disabled


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("One. Two.", 2),
        ("Soft-NMS (Bodla et al. 2017) decays scores. It helps, e.g. in crowds.", 2),
        ("A threshold of 0.5 is common. Version 2.0 too! Really?", 3),
        ("No final stop", 1),
        ("First ends here. second starts lower-case and ends.", 2),
    ],
)
def test_count_sentences(text: str, n: int) -> None:
    assert count_sentences(text) == n


# ------------------------------------------------------------------------------------------- CLI


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kb", *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_cli_check_passes_on_the_real_content() -> None:
    done = run_cli("check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK:")


def test_cli_check_fails_with_file_field_and_line(content) -> None:
    content("alpha", extra="colour: red\n")
    done = run_cli("check", "--content", str(content.root))
    assert done.returncode == 1
    assert "day-1/alpha.md:11: colour: unknown field" in done.stdout


# ------------------------------------------------------------------------------------------- item quality


def quiz_block(*items: str) -> str:
    return "quiz:\n" + "".join(textwrap.indent(textwrap.dedent(item), "  ") for item in items)


QA = """\
- type: qa
  question: What does a pooling layer learn?
  answer: Nothing.
"""


@pytest.mark.parametrize(
    ("title", "section", "cloze", "where"),
    [
        ("Slow fusion", "Basics", '"{{c1::Slow fusion}} merges frames gradually."', "card title"),
        ("Fusion", "Basics", '"Slow fusion lets the {{c1::higher}} layers see more frames."', None),
        (
            "Alpha",
            "Basics",
            '"Stacked 3 × 3 layers add {{c1::non-linearity}}: one non-linearity per layer."',
            "own sentence",
        ),
        ("Alpha", "Basics", '"Local motion is caught by {{c1::3D conv}}."\n  accept: [alpha]', "card title"),
        (
            "Fully connected (dense) layers",
            "Basics",
            '"A {{c1::fully connected layer}} has many weights."',
            "card title",
        ),
        ("Alpha", "Basics", '"YOLO treats detection as {{c1::regression}}, one regression of boxes."', "own sentence"),
    ],
)
def test_a_cloze_answerable_from_its_title_section_or_sentence_is_rejected(
    content, title, section, cloze, where
) -> None:
    content("alpha", title=title, section=section, quiz=quiz_block(QA, f"- type: cloze\n  text: {cloze}\n"))
    problems = load_content(content.root).problems
    if where is None:
        assert problems == []
    else:
        assert len(problems) == 1 and where in problems[0].message and problems[0].field == "quiz[1].text"


def test_a_cloze_whose_answer_is_the_section_heading_is_rejected(content) -> None:
    content("alpha", section="More", quiz=quiz_block(QA, '- type: cloze\n  text: "The {{c1::more}} the better."\n'))
    [problem] = load_content(content.root).problems
    assert "section heading" in problem.message


@pytest.mark.parametrize(
    ("question", "flagged"),
    [
        ("Why is the stride in the list not a layer?", "the list"),
        ("What does the note say about Nervana?", "the note"),
        ("In program 3, what is classified?", "program 3"),
        ("What was surprising when these fusion models were compared?", "these fusion models"),
        ("Why can features be cached in this setting?", "this setting"),
        ("A network has two stages. What does this network do first?", None),  # named before: fine
        ("Which of these methods needs no labels?", None),  # the options that follow
        ("Is this high bias or high variance?", None),
    ],
)
def test_a_prompt_that_only_makes_sense_next_to_its_card_is_rejected(content, question, flagged) -> None:
    qa = f"- type: qa\n  question: {question}\n  answer: An answer.\n"
    content("alpha", quiz=quiz_block(qa, '- type: cloze\n  text: "Beta is a {{c1::thing}}."\n'))
    problems = load_content(content.root).problems
    if flagged is None:
        assert problems == []
    else:
        [problem] = problems
        assert flagged in problem.message.lower() and problem.field == "quiz[0].question"


def test_blog_trivia_belongs_on_a_trivia_card(content) -> None:
    qa = "- type: qa\n  question: Which spot did the blog reach in the ranking?\n  answer: 59.\n"
    cloze = '- type: cloze\n  text: "The ranking lists {{c1::100}} blogs."\n'
    content("alpha", quiz=quiz_block(qa, cloze))
    assert {p.message.split(" is blog trivia")[0] for p in load_content(content.root).problems} >= {"'blog'"}
    content("alpha", tags="[blog, trivia]", quiz=quiz_block(qa, cloze))
    assert load_content(content.root).problems == []


def test_an_mcq_whose_right_option_stands_out_by_length_is_rejected(content) -> None:
    def mcq(right: str) -> str:
        return (
            "- type: mcq\n  question: Why?\n  options:\n"
            f"    - {right}\n    - A wrong option\n    - Another wrong one\n    - A third wrong\n  answer: {right}\n"
        )

    content("alpha", quiz=quiz_block(QA, mcq("Because the right option is much longer than all the others")))
    [problem] = load_content(content.root).problems
    assert problem.field == "quiz[1].options" and "about as long" in problem.message
    content("alpha", quiz=quiz_block(QA, mcq("A right option")))
    assert load_content(content.root).problems == []


def test_two_cards_asking_the_same_question_are_flagged(content) -> None:
    same = "- type: qa\n  question: What receptive field do three stacked 3 × 3 convolutions have?\n  answer: 7 × 7.\n"
    content("alpha", quiz=quiz_block(same, '- type: cloze\n  text: "Alpha has {{c1::one}} idea."\n'))
    content("beta", quiz=quiz_block(same.replace("What", "Which"), '- type: cloze\n  text: "Beta is {{c1::two}}."\n'))
    [problem] = load_content(content.root).problems
    assert problem.file == "day-1/beta.md" and "asks what day-1/alpha.md quiz[0] asks" in problem.message


def test_the_real_cards_meet_the_quality_bar() -> None:
    cards = load_content(REAL_CONTENT).cards
    assert all(item_problems(c) == [] for c in cards)
    assert near_duplicates(cards) == []
    longest, mcqs = mcq_longest_share(cards)
    assert mcqs >= 100 and longest <= MCQ_LONGEST_SHARE * mcqs
