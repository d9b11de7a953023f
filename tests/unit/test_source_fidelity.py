"""The author's notes as written: every bullet of every card is a line, or part of a line, of the post it quotes,
byte for byte (typos kept), in the copy of the source that ships with the content."""

from __future__ import annotations

from kb.cards import SOURCE_FILE, load_content, quoted_bullets, source_posts
from tests.conftest import REAL_CONTENT

SOURCE = (REAL_CONTENT / SOURCE_FILE).read_text(encoding="utf-8")


def test_every_bullet_of_every_card_is_in_the_source_exactly() -> None:
    loaded = load_content(REAL_CONTENT)
    by_day = source_posts(SOURCE)
    day_of = {p.slug: p.day for p in loaded.posts}
    checked, missing = 0, []
    for card in loaded.cards:
        for bullet, day, _ in quoted_bullets(card.notes, day_of[card.post_slug]):
            checked += 1
            if not any(bullet in line for line in by_day[day]):
                missing.append(f"{card.source}: {bullet!r}")
    assert checked >= 470 and missing == []


def test_the_source_keeps_its_typos_and_the_cards_quote_them() -> None:
    cards = {c.id: c for c in load_content(REAL_CONTENT).cards}
    assert "from Nirvana" in SOURCE and "from Nirvana" in cards["low-precision-training"].notes
    assert "Nervana Systems" in cards["low-precision-training"].explained  # the reading goes into Explained
    assert "Upsell and Club them together" in cards["hypercolumns"].notes


def test_the_source_splits_into_its_six_posts() -> None:
    posts = source_posts(SOURCE)
    assert sorted(posts, key=lambda d: d or 0) == [None, 171, 172, 173, 174, 175]
    assert any("Top 100 Data Science Blogs" in line for line in posts[None])
    assert any("Weights / Biased as the number of connections." in line for line in posts[172])


def test_a_bullet_from_another_post_says_so() -> None:
    notes = "- own bullet\n\n*From Day #172:*\n\n- borrowed bullet\n"
    assert [(b, d) for b, d, _ in quoted_bullets(notes, 171)] == [("own bullet", 171), ("borrowed bullet", 172)]
    assert quoted_bullets("- `a*b + c*d`\n", 171)[0][0] == "a*b + c*d"  # a formula quoted as code


def test_a_corrected_or_misplaced_bullet_is_a_problem(content) -> None:
    source = "Intro\nDay #1 - First\n  • Upsell and Club them together\nDay #2 - Second\n  • RNN - Recognize\n"
    (content.root / "source").mkdir()
    (content.root / SOURCE_FILE).write_text(source, encoding="utf-8")
    content("alpha", notes="- Upsell and Club them")  # part of a line: fine
    content("beta", notes="- Upsample and Club them together")  # silently corrected
    content("gamma", notes="- RNN - Recognize")  # from Day #2, unmarked
    content("delta", notes="*From Day #2:*\n\n- RNN - Recognize")  # marked
    result = load_content(content.root)
    problems = {p.file: p.message for p in result.problems}
    assert set(problems) == {"day-1/beta.md", "day-1/gamma.md"}
    assert "quote the source exactly" in problems["day-1/beta.md"]
    assert "*From Day #2:*" in problems["day-1/gamma.md"]
