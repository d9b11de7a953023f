"""Quiz: spaced repetition with FSRS. Pick a profile and a scope, answer, rate; every answer is saved at once.

The question on screen stays until it is rated (a new due item never replaces it mid-answer); items of one card
are not asked back to back; keys: Space shows an answer, 1 to 4 rate it."""

import datetime as dt
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import fsrs
import streamlit as st

from demos.registry import Lab, by_name, labs_for_card
from kb.answers import grade_cloze
from kb.browse import filter_cards, tag_counts
from kb.cards import Card
from kb.exchange import COMPUTED_SAMPLE, ExportItem, import_csv, select_items, write_apkg, write_csv
from kb.items import SIBLING_GAP, Origin, pick_next, spread
from kb.quiz import (
    NEW_PER_DAY_RANGE,
    RATINGS,
    RETENTION_RANGE,
    QuizError,
    due_queue,
    format_interval,
    item_card,
    preview,
    record_review,
    scheduler,
    update_settings,
)
from ui.boot import ensure_router
from ui.data import content, item_set, matching, session
from ui.identity import is_teacher, profile_bar
from ui.labs.frame import LAB_PAGE, lab_url_params
from ui.questions_view import figure
from ui.quiz_view import diff_markdown, escape, instance, pin, pinned, session_counts, unpin
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
KINDS: dict[str, list[Origin] | None] = {
    "All": None,
    "Written": ["authored", "generated", "imported"],
    "Computed": ["computed"],
}


def lab_links(template_id: str | None, card_id: str) -> list[Lab]:
    """The lab a computed question names, else the labs of its card."""
    from demos.questions import by_id as templates

    named = templates()[template_id].lab if template_id else None
    return [by_name()[named]] if named in by_name() else labs_for_card(card_id)


posts, cards = content()
labels = {p.slug: post_label(p) for p in posts}
by_id = {c.id: c for c in cards}

st.title("Quiz")

# ------------------------------------------------------------------------------------------- profile
learner = profile_bar()  # the signed-in learner, or the profile picked in this session (never preselected)
if learner is None:
    st.stop()
items = item_set(learner.id)  # with this learner's imports, read fresh

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
scope_detail = ""
with pick_col:
    if scope == "A post":
        post = st.selectbox("Post", [p.slug for p in posts], format_func=labels.get, key="scope_post")
        scoped, scope_detail = filter_cards(cards, posts=[post]), post
    elif scope == "A tag":
        counts = tag_counts(cards)
        tag = st.selectbox("Tag", sorted(counts), format_func=lambda t: f"{t} ({counts[t]})", key="scope_tag")
        scoped, scope_detail = filter_cards(cards, tags=[tag]), tag
    elif scope == "Cards matching words":
        words = st.text_input("Words", placeholder="e.g. optimiser", key="scope_words", max_chars=200)
        scoped = [by_id[i] for i in matching(words) if i in by_id] if words.strip() else []
        scope_detail = words.strip().lower()
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
kind_col, trivia_col = st.columns([3, 2], vertical_alignment="bottom")
with kind_col:
    kinds = st.segmented_control(
        "Questions",
        list(KINDS),
        default="All",
        key="kinds",
        required=True,
        help="Written: the cards' own questions (and multiple-choice versions of them). Computed: questions whose "
        "numbers are drawn fresh each time and whose answers the labs' code computes.",
    )
with trivia_col:
    trivia = st.toggle(
        "Include blog trivia", key="trivia", help="Items about the blog itself, not about deep learning."
    )
if scope == "Cards matching words" and scoped:
    st.caption(
        f"{len(scoped)} matching cards: "
        + ", ".join(escape(c.title) for c in scoped[:12])
        + (" …" if len(scoped) > 12 else "")
    )

scope_ids = items.ids(cards={c.id for c in scoped}, trivia=trivia, origins=KINDS[kinds])
if not scope_ids:
    st.info(
        "This scope has no quiz items. Pick another post or tag, or type words that appear in the notes.",
        icon=":material/filter_alt_off:",
    )
    st.stop()
scope_key = f"{mode}|{scope}|{scope_detail}|{kinds}|{trivia}"
session_state = session_counts(learner.name)


# ------------------------------------------------------------------------------------------- the question
def queue(now: dt.datetime) -> list[str]:
    """The scope's items to ask, in the scheduler's order (Cram: what is left of this round, shuffled)."""
    if mode == "Cram":
        rounds = st.session_state.setdefault("cram_rounds", {})
        key = (learner.name, scope_key)
        if not rounds.get(key):
            shuffled = list(scope_ids)
            random.Random(len(shuffled)).shuffle(shuffled)
            rounds[key] = shuffled
        return list(rounds[key])
    with session() as db:
        return due_queue(learner, spread(scope_ids, items), now, session=db)


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
        left = st.session_state.get("cram_rounds", {}).get((learner.name, scope_key), [])
        if item_id in left:
            left.remove(item_id)
    session_state["answered"] += 1
    session_state["recent_cards"] = [*session_state["recent_cards"], card_id][-SIBLING_GAP:]
    unpin()


def answer_box(item_id: str, label: str, grade: Callable[[str], bool], help_text: str | None = None) -> None:
    """A typed answer in a form (Enter checks it); the result is kept for this item."""
    if help_text:
        st.caption(help_text)
    with st.form(f"answer-{item_id}", border=False):
        typed = st.text_input(label, key=f"typed-{item_id}", max_chars=100)
        if st.form_submit_button("Check"):
            st.session_state.checked = (item_id, grade(typed), typed)


@st.fragment
def quiz_panel() -> None:
    now = dt.datetime.now(dt.UTC)
    todo = queue(now)
    current = pinned(learner.name, scope_key, set(scope_ids))
    if current is None:
        next_id = pick_next(todo, session_state["recent_cards"], items)
        if next_id is None:
            done = session_state["answered"]
            st.success(
                f"Nothing is due in this scope right now{f' ({done} answered this session)' if done else ''}. "
                "Come back later, switch to Cram to practise anyway, or raise “New items per day”.",
                icon=":material/task_alt:",
            )
            return
        current = pin(learner.name, scope_key, next_id)
    item_id = current.item_id
    entry = items[item_id]
    card, item = entry.card, entry.item
    remaining = len(todo) + (item_id not in todo)
    st.session_state.setdefault("shown_at", time.monotonic())
    st.caption(
        f"{remaining} {'in this cram round' if mode == 'Cram' else 'to do now'} · {session_state['answered']} "
        f"answered this session · profile {md_escape(learner.name)}"
    )
    checked = st.session_state.get("checked")
    checked = checked if checked and checked[0] == item_id else None
    revealed = st.session_state.get("revealed") == item_id
    with st.container(border=True, key="question"):
        st.caption(f"{labels.get(card.post_slug, card.post_slug)} › {card.section}")  # the title comes after
        inst = instance(entry.template, current.seed) if entry.template else None
        if inst is not None:
            st.markdown(f"#### {escape(inst.prompt)}" if len(inst.prompt) <= 160 else escape(inst.prompt))
            if inst.figure is not None:
                st.plotly_chart(figure(inst.figure), key=f"figure-{item_id}-{current.seed}", width="stretch")
                if inst.figure.caption:
                    st.caption(inst.figure.caption)
            answer_box(item_id, "Your answer", inst.answer.grade, inst.answer.how_to_type)
        elif item.kind == "qa":
            st.markdown(f"#### {item.prompt}")
            if not revealed and st.button("Show answer", key=f"reveal-{item_id}", shortcut="Space"):
                st.session_state.revealed = item_id
                revealed = True
            if revealed:
                st.markdown(f"**Answer:** {item.answer}")
        elif item.kind == "cloze":
            st.markdown(f"#### {item.question}")
            if item.hint:
                st.caption(f"Hint: {item.hint}")
            answer_box(item_id, "Your answer", lambda typed: grade_cloze(typed, item.answer, item.accept))
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
        checked = checked if checked and checked[0] == item_id else None
        answered = revealed or checked is not None
        if checked is not None:
            shown = inst.answer.shown if inst is not None else item.answer
            if checked[1]:
                st.success(f"Right: **{escape(shown)}**", icon=":material/check:")
            else:
                st.error(f"Not quite. The answer is **{escape(shown)}**.", icon=":material/close:")
                if checked[2].strip() and (inst is None or item.kind == "cloze"):
                    st.markdown("Your answer against it: " + diff_markdown(checked[2], shown))
                elif checked[2].strip():
                    st.caption(f"You typed {escape(checked[2].strip())}.")
        if answered:
            if inst is not None:
                st.markdown(escape(inst.explanation))
                st.caption(f"Computed by `{inst.computed_by}`.")
                for lab in lab_links(entry.template, card.id):
                    st.page_link(
                        lab.page or LAB_PAGE,
                        label=f"See it in the lab: {lab.title}",
                        icon=lab.icon,
                        query_params=lab_url_params(lab),
                    )
            st.page_link(CARD_PAGE, label=card.title, query_params={"id": card.id}, icon=":material/article:")
    if not answered:
        return
    with session() as db:
        intervals = preview(item_card(learner.id, item_id, now, session=db), now, scheduler(learner.desired_retention))
    wrong = checked is not None and not checked[1]
    st.markdown(
        "**How well did you know it?** Keys 1 to 4" + (" (cram: the schedule is not changed)" if mode == "Cram" else "")
    )
    cols = st.columns(4)
    for n, (col, rating) in enumerate(zip(cols, RATINGS, strict=True), start=1):
        hint = "" if mode == "Cram" else f" · {format_interval(intervals[rating])}"
        suggested = fsrs.Rating.Again if wrong else fsrs.Rating.Good
        col.button(
            f"{RATING_LABELS[rating]}{hint}",
            key=f"rate-{rating.name}-{item_id}",
            width="stretch",
            on_click=rate,
            args=(item_id, card.id, rating),
            type="primary" if rating == suggested else "secondary",
            shortcut=str(n),
        )


quiz_panel()


# ------------------------------------------------------------------------------------------- export / import
@st.cache_data(show_spinner="Building the export (computing the sample of computed questions)…", max_entries=8)
def export_files(item_ids: tuple[str, ...]) -> tuple[bytes, bytes]:
    chosen = [ExportItem(i, items[i].card, items[i].item, items[i].template) for i in item_ids if i in items]
    with tempfile.TemporaryDirectory() as tmp:
        apkg, csv_path = Path(tmp) / "dl-notes.apkg", Path(tmp) / "dl-notes.csv"
        write_apkg(chosen, apkg)
        write_csv(chosen, csv_path)
        return apkg.read_bytes(), csv_path.read_bytes()


with st.expander("Export to Anki or CSV, import from CSV", icon=":material/import_export:"):
    export_items = [e for e in select_items(items, posts, trivia=trivia) if e.card.id in {c.id for c in scoped}]
    n_computed = sum(1 for e in export_items if e.template is not None)
    st.caption(
        f"{len(export_items)} items in the current scope ({scope.lower()}). Cloze items become Anki cloze notes; "
        f"each of the {n_computed} computed questions becomes {COMPUTED_SAMPLE} fixed examples with their figures. "
        "CSV carries the question/answer items."
    )
    wanted = tuple(e.item_id for e in export_items)
    if st.session_state.get("export_ready") != wanted:
        if st.button("Prepare the files", icon=":material/build:"):
            st.session_state.export_ready = wanted
            st.rerun(scope="app")
    else:
        apkg_bytes, csv_bytes = export_files(wanted)
        left, right = st.columns(2)
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
    st.caption(
        "A card's id is the `id=` part of its address: the card “Non-max suppression (NMS)” opens at "
        "`/card?id=non-max-suppression`. Every id is listed below."
    )
    with st.popover("Card ids", icon=":material/list:"):
        st.dataframe([{"card_id": c.id, "title": c.title} for c in cards], hide_index=True, width="stretch")
    if upload is not None and st.button("Import", icon=":material/upload:"):
        with session() as db:
            report = import_csv(upload.getvalue(), session=db, learner_id=None if share else learner.id)
        (st.success if not report.problems else st.warning)(report.summary())
        for problem in report.problems[:50]:
            st.text(problem)  # plain text: a problem quotes the file's own cells
