"""Quiz: spaced repetition with FSRS. Pick a profile and a scope, answer, rate; every answer is saved at once."""

import datetime as dt
import random
import tempfile
import time
from pathlib import Path

import fsrs
import streamlit as st

from db import fts
from kb.browse import filter_cards, tag_counts
from kb.cards import Card, QuizItem
from kb.exchange import ExportItem, import_csv, select_items, write_apkg, write_csv
from kb.quiz import (
    NEW_PER_DAY_RANGE,
    RATINGS,
    RETENTION_RANGE,
    QuizError,
    due_queue,
    format_interval,
    grade_cloze,
    item_card,
    preview,
    record_review,
    scheduler,
    update_settings,
)
from ui.boot import ensure_router
from ui.data import content, quiz_items, session
from ui.identity import is_teacher, profile_bar
from ui.text import md_escape
from ui.widgets import CARD_PAGE, post_label

ensure_router()

RATING_LABELS = {
    fsrs.Rating.Again: "Again",
    fsrs.Rating.Hard: "Hard",
    fsrs.Rating.Good: "Good",
    fsrs.Rating.Easy: "Easy",
}
SCOPES = ("Everything", "A post", "A tag", "Cards matching words")

posts, cards = content()
labels = {p.slug: post_label(p) for p in posts}

st.title("Quiz")

# ------------------------------------------------------------------------------------------- profile
learner = profile_bar()  # the signed-in learner, or the profile picked in this session (never preselected)
if learner is None:
    st.stop()
items: dict[str, tuple[Card, QuizItem]] = quiz_items(learner.id)  # with this learner's imports, read fresh

with st.expander("Scheduling settings", icon=":material/tune:"), st.form("settings", border=False):
    low, high = RETENTION_RANGE
    retention = st.slider(
        "Desired retention",
        low,
        high,
        learner.desired_retention,
        0.01,
        help="The chance of remembering an item when it comes due. Higher means shorter "
        "intervals and more reviews (FSRS).",
    )
    lo, hi = NEW_PER_DAY_RANGE
    new_per_day = st.number_input("New items per day", lo, hi, learner.new_per_day, 1)
    if st.form_submit_button("Save"):
        try:
            with session() as db:
                learner = update_settings(
                    learner.id, desired_retention=float(retention), new_per_day=int(new_per_day), session=db
                )
            st.success("Saved.")
        except QuizError as exc:
            st.error(str(exc))

# ------------------------------------------------------------------------------------------- scope
scope_col, pick_col, mode_col = st.columns([2, 3, 2], vertical_alignment="bottom")
with scope_col:
    scope = st.selectbox("Scope", SCOPES, key="scope")
scoped: list[Card] = cards
with pick_col:
    if scope == "A post":
        post = st.selectbox("Post", [p.slug for p in posts], format_func=labels.get, key="scope_post")
        scoped = filter_cards(cards, posts=[post])
    elif scope == "A tag":
        counts = tag_counts(cards)
        tag = st.selectbox("Tag", sorted(counts), format_func=lambda t: f"{t} ({counts[t]})", key="scope_tag")
        scoped = filter_cards(cards, tags=[tag])
    elif scope == "Cards matching words":
        words = st.text_input("Words", placeholder="e.g. optimiser", key="scope_words", max_chars=200)
        if words.strip():
            with session() as db:
                ids = [cid for cid, _ in fts.search(db, words, limit=30)] if fts.supported(db) else []
            by_id = {c.id: c for c in cards}
            scoped = [by_id[i] for i in ids if i in by_id]
        else:
            scoped = []
with mode_col:
    mode = st.segmented_control(
        "Mode",
        ["Due", "Cram"],
        default="Due",
        key="mode",
        required=True,
        help="Due: what FSRS schedules for today. Cram: any item in the scope, in random "
        "order, without changing the schedule.",
    )

scoped_ids = {c.id for c in scoped}
scope_ids = [i for i, (c, _) in items.items() if c.id in scoped_ids]
if not scope_ids:
    st.info(
        "This scope has no quiz items. Pick another post or tag, or type words that appear in the notes.",
        icon=":material/filter_alt_off:",
    )
    st.stop()


# ------------------------------------------------------------------------------------------- the question
def next_item(now: dt.datetime) -> tuple[str | None, int]:
    if mode == "Cram":
        order = st.session_state.setdefault("cram_order", {})
        key = tuple(scope_ids)
        if key not in order:
            shuffled = list(scope_ids)
            random.Random(len(key)).shuffle(shuffled)
            order[key] = shuffled
        n = st.session_state.get("cram_pos", 0) % len(order[key])
        return order[key][n], len(order[key])
    with session() as db:
        queue = due_queue(learner, scope_ids, now, session=db)
    return (queue[0] if queue else None), len(queue)


def reset_question() -> None:
    for key in ("revealed", "checked", "shown_at"):
        st.session_state.pop(key, None)


def rate(item_id: str, card_id: str, rating: fsrs.Rating) -> None:
    duration = int((time.monotonic() - st.session_state.get("shown_at", time.monotonic())) * 1000)
    with session() as db:
        record_review(
            learner,
            item_id,
            card_id,
            rating,
            dt.datetime.now(dt.UTC),
            session=db,
            duration_ms=duration,
            cram=mode == "Cram",
        )
    if mode == "Cram":
        st.session_state.cram_pos = st.session_state.get("cram_pos", 0) + 1
    st.session_state.answered = st.session_state.get("answered", 0) + 1
    reset_question()


@st.fragment
def quiz_panel() -> None:
    now = dt.datetime.now(dt.UTC)
    item_id, remaining = next_item(now)
    done = st.session_state.get("answered", 0)
    if item_id is None:
        st.success(
            f"Nothing is due in this scope right now{f' ({done} answered this session)' if done else ''}. "
            "Come back later, switch to Cram to practise anyway, or raise “New items per day”.",
            icon=":material/task_alt:",
        )
        return
    card, item = items[item_id]
    st.session_state.setdefault("shown_at", time.monotonic())
    st.caption(
        f"{remaining} {'in this cram round' if mode == 'Cram' else 'to do now'} · {done} answered "
        f"this session · profile {md_escape(learner.name)}"
    )
    with st.container(border=True, key="question"):
        st.page_link(CARD_PAGE, label=card.title, query_params={"id": card.id}, icon=":material/article:")
        if item.kind == "qa":
            st.markdown(f"#### {item.prompt}")
            if st.session_state.get("revealed") != item_id and st.button("Show answer", key=f"reveal-{item_id}"):
                st.session_state.revealed = item_id
            if st.session_state.get("revealed") == item_id:
                st.markdown(f"**Answer:** {item.answer}")
        elif item.kind == "cloze":
            st.markdown(f"#### {item.question}")
            if item.hint:
                st.caption(f"Hint: {item.hint}")
            with st.form(f"cloze-{item_id}", border=False):
                typed = st.text_input("Your answer", key=f"typed-{item_id}", max_chars=100)
                if st.form_submit_button("Check"):
                    st.session_state.checked = (item_id, grade_cloze(typed, item.answer, item.accept), typed)
        else:
            st.markdown(f"#### {item.prompt}")
            options = list(item.options)
            random.Random(item_id).shuffle(options)
            with st.form(f"mcq-{item_id}", border=False):
                choice = st.radio("Options", options, index=None, label_visibility="collapsed", key=f"choice-{item_id}")
                if st.form_submit_button("Check"):
                    if choice is None:
                        st.warning("Pick an option first.")
                    else:
                        st.session_state.checked = (item_id, choice == item.answer, choice)
        checked = st.session_state.get("checked")
        answered = st.session_state.get("revealed") == item_id or (checked and checked[0] == item_id)
        if checked and checked[0] == item_id:
            if checked[1]:
                st.success(f"Right: **{item.answer}**", icon=":material/check:")
            else:
                st.error(f"Not quite. The answer is **{item.answer}**.", icon=":material/close:")
    if not answered:
        return
    with session() as db:
        shown = preview(item_card(learner.id, item_id, now, session=db), now, scheduler(learner.desired_retention))
    st.markdown("**How well did you know it?**" + (" (cram: the schedule is not changed)" if mode == "Cram" else ""))
    cols = st.columns(4)
    for col, rating in zip(cols, RATINGS, strict=True):
        hint = "" if mode == "Cram" else f" · {format_interval(shown[rating])}"
        col.button(
            f"{RATING_LABELS[rating]}{hint}",
            key=f"rate-{rating.name}-{item_id}",
            width="stretch",
            on_click=rate,
            args=(item_id, card.id, rating),
            type="primary" if rating == fsrs.Rating.Good else "secondary",
        )


quiz_panel()


# ------------------------------------------------------------------------------------------- export / import
@st.cache_data(show_spinner=False, max_entries=8)
def export_files(item_ids: tuple[str, ...]) -> tuple[bytes, bytes]:
    chosen = [ExportItem(i, *items[i]) for i in item_ids if i in items]
    with tempfile.TemporaryDirectory() as tmp:
        apkg, csv_path = Path(tmp) / "dl-notes.apkg", Path(tmp) / "dl-notes.csv"
        write_apkg(chosen, apkg)
        write_csv(chosen, csv_path)
        return apkg.read_bytes(), csv_path.read_bytes()


with st.expander("Export to Anki or CSV, import from CSV", icon=":material/import_export:"):
    export_items = select_items(scoped, posts)
    st.caption(
        f"{len(export_items)} items in the current scope ({scope.lower()}). Cloze items become Anki cloze "
        "notes; CSV carries the question/answer items."
    )
    left, right = st.columns(2)
    apkg_bytes, csv_bytes = export_files(tuple(e.item_id for e in export_items))
    left.download_button(
        "Anki package (.apkg)",
        apkg_bytes,
        file_name="dl-notes.apkg",
        mime="application/octet-stream",
        icon=":material/download:",
    )
    right.download_button("CSV", csv_bytes, file_name="dl-notes.csv", mime="text/csv", icon=":material/download:")
    upload = st.file_uploader(
        "Import your own question/answer items (CSV with columns card_id, question, answer); they are yours "
        "alone and join your quiz at once",
        type=["csv"],
        max_upload_size=2,
    )
    share = is_teacher() and st.checkbox("Share these items with the whole class (teacher)", key="share_import")
    if upload is not None and st.button("Import", icon=":material/upload:"):
        with session() as db:
            report = import_csv(upload.getvalue(), session=db, learner_id=None if share else learner.id)
        (st.success if not report.problems else st.warning)(report.summary())
        for problem in report.problems[:50]:
            st.text(problem)  # plain text: a problem quotes the file's own cells
