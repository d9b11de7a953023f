"""Every page runs without an exception and shows the cards; filters and card links work."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from kb.cards import load_content
from tests.conftest import ENGINE, REAL_CONTENT, ROOT, sqlite_only
from tests.pages.conftest import texts
from ui.identity import PICK_KEY

# These pages run on a copy of the SQLite file that holds the real search index; on PostgreSQL the same
# search is checked by tests/integration/test_search_parity.py.
on_the_indexed_sqlite_copy = pytest.mark.skipif(ENGINE == "postgresql", reason="runs on the indexed SQLite copy")

N_CARDS = len(load_content(REAL_CONTENT).cards)


def page_link_labels(at) -> list[str]:
    return [el.proto.label for el in at.get("page_link")]


def test_home_shows_counts_posts_and_where_to_start(app) -> None:
    at = app()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cards"] == str(N_CARDS)
    assert metrics["Posts"] == "6"
    body = texts(at)
    assert "Where to start" in body
    for title in ("Videos and Unsupervised Learning", "ConvNets in practice - CS231n Lessons"):
        assert title in body
    assert any(label.startswith("detection · ") for label in page_link_labels(at))  # topic links


def test_browse_lists_every_card_grouped_by_post(app) -> None:
    at = app("pages/browse.py")
    assert not at.exception
    assert f"Showing {N_CARDS} of {N_CARDS} cards" in texts(at)
    labels = page_link_labels(at)
    assert "Non-max suppression (NMS)" in labels and "Caffe" in labels
    assert len(labels) == N_CARDS
    assert [h.value for h in at.header][:2] == [
        "Day #171 · ConvNets in practice - CS231n Lessons",
        "Day #172 · CNN - One Pager, Notes and Best Practices",
    ]


def test_browse_text_filter(app) -> None:
    at = app("pages/browse.py")
    at.text_input(key="q").input("optical flow").run()
    assert not at.exception
    labels = page_link_labels(at)
    assert "Optical flow" in labels and "Caffe" not in labels
    assert f"Showing {len(labels)} of {N_CARDS} cards" in texts(at)


def test_browse_tag_and_post_filters(app) -> None:
    at = app("pages/browse.py")
    at.multiselect(key="tag").select("detection").run()
    labels = page_link_labels(at)
    assert "YOLO" in labels and "Caffe" not in labels
    at.multiselect(key="post").select("day-174").run()
    assert not at.exception
    assert "YOLO" not in page_link_labels(at)


def test_browse_with_nothing_matching_says_so(app) -> None:
    at = app("pages/browse.py")
    at.text_input(key="q").input("qqqzzz nothing like this").run()
    assert not at.exception
    assert any("No card matches" in i.value for i in at.info)


def test_browse_filters_come_back_after_visiting_a_card(app) -> None:
    at = app("pages/browse.py")
    at.multiselect(key="tag").select("detection").run()
    at.toggle(key="has_lab").set_value(True).run()
    assert at.query_params["tag"] == "detection" and at.query_params["lab"] == "1"
    only = page_link_labels(at)
    assert "Non-max suppression (NMS)" in only and "YOLO" not in only  # YOLO has no lab (yet)
    at.query_params.clear()
    at.query_params["id"] = "yolo"
    at.switch_page("pages/card.py").run()
    at.query_params.clear()  # the sidebar link back to Browse carries no filters
    at.switch_page("pages/browse.py").run()
    assert not at.exception
    assert page_link_labels(at) == only


def test_search_filters_live_in_the_url(app) -> None:
    at = app("pages/search.py", q="im2col", tag="cnn", mode="keyword")
    assert not at.exception
    assert at.text_input(key="sq").value == "im2col" and at.multiselect(key="s_tag").value == ["cnn"]
    assert at.query_params["tag"] == "cnn" and at.query_params["mode"] == "keyword"


def test_browse_opens_filtered_by_query_params(app) -> None:
    at = app("pages/browse.py", post="day-173")
    labels = page_link_labels(at)
    assert "Caffe" in labels and "Non-max suppression (NMS)" not in labels


def test_card_page_shows_notes_explanation_related_and_quiz(app) -> None:
    at = app("pages/card.py", id="non-max-suppression")
    assert not at.exception
    assert at.title[0].value == "Non-max suppression (NMS)"
    body = texts(at)
    assert "Select box with highest probability" in body  # the author's own note
    assert "Soft-NMS" in body  # the explanation
    labels = page_link_labels(at)
    assert "Intersection over union (IoU)" in labels  # a related card
    assert "detection" in labels  # tag link
    assert len([e for e in at.expander if e.icon == ":material/help:"]) == 3  # check-yourself questions


def test_card_page_shows_its_labs_panel_with_claims_and_code_then_computes(app) -> None:
    at = app("pages/card.py", id="non-max-suppression")
    assert not at.exception
    body = texts(at)
    assert "Try it: Non-max suppression" in body
    assert "What this lab shows, measured" in body
    assert "greedy NMS at IoU 0.5 lifts the same boxes above 0.9" in body  # a claim statement
    code = [c for e in at.expander if e.label == "The code that ran" for c in e.code]
    assert any("def nms(" in c.value for c in code)
    shipped = at.get("plotly_chart")[0].proto.spec
    at.button(key="card-non-max-suppression-nms-new").click().run()  # "Another scene": runs the detector
    assert not at.exception
    assert at.get("plotly_chart")[0].proto.spec != shipped
    assert "computed on CPU" in texts(at)


def test_card_page_with_unknown_id_explains_and_offers_a_picker(app) -> None:
    at = app("pages/card.py", id="no-such-card")
    assert not at.exception
    assert "no-such-card" in at.warning[0].value.replace("\\", "")  # escaped Markdown: shown as typed
    assert len(at.selectbox) == 1


def test_missing_source_material_is_shown(app) -> None:
    at = app("pages/card.py", id="deep-learning")
    assert any("Missing from the source" in i.value for i in at.info)


def test_card_text_is_rendered_without_html(app) -> None:
    at = app("pages/card.py", id="non-max-suppression")
    assert all(not getattr(m.proto, "allow_html", False) for m in at.markdown if "Select box" in m.value)


def test_health_page_reports_valid_content(app) -> None:
    at = app("pages/health.py")
    assert not at.exception
    assert any("Every card is valid" in s.value for s in at.success)
    assert {m.label: m.value for m in at.metric}["Valid cards"] == str(N_CARDS)


def test_health_page_lists_problems_of_broken_content(app, content, monkeypatch) -> None:
    content("alpha")
    content("beta", extra="colour: red\n")
    monkeypatch.setenv("KB_CONTENT_DIR", str(content.root))
    at = app("pages/health.py")
    assert not at.exception
    assert "1 problem(s) found" in at.error[0].value
    table = at.dataframe[0].value
    assert list(table["File"]) == ["content/day-1/beta.md"] and list(table["Line"]) == [11]


def test_opening_the_app_imports_neither_torch_nor_sentence_transformers(tmp_path) -> None:
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=60)\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "for page in ('pages/browse.py', 'pages/card.py', 'pages/health.py', 'pages/labs.py'):\n"
        "    at.switch_page(page); at.run(); assert not at.exception\n"
        "at.query_params['id'] = 'non-max-suppression'; at.switch_page('pages/card.py'); at.run()\n"
        "assert not at.exception and any('Try it' in m.value for m in at.markdown)\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n"
    )
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_health_sync_now_reports_what_changed(app, real_content_copy, monkeypatch) -> None:
    monkeypatch.setenv("KB_CONTENT_DIR", str(real_content_copy))
    at = app("pages/health.py")
    card = real_content_copy / "day-172" / "non-max-suppression.md"
    card.write_text(card.read_text().replace("title: Non-max suppression (NMS)", "title: NMS, edited"))
    at.button[0].click().run()
    assert not at.exception
    assert "1 updated" in at.success[-1].value


@sqlite_only
def test_health_sync_now_when_the_database_is_locked(app, real_content_copy, monkeypatch, tmp_path) -> None:
    import sqlite3

    monkeypatch.setenv("KB_CONTENT_DIR", str(real_content_copy))
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "200")
    at = app("pages/health.py")
    card = real_content_copy / "day-172" / "yolo.md"
    card.write_text(card.read_text().replace("title: YOLO", "title: YOLO, edited"))
    other_tab = sqlite3.connect(tmp_path / "pages.db", timeout=0.1)
    other_tab.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        at.button[0].click().run()
    finally:
        other_tab.rollback()
        other_tab.close()
    assert not at.exception
    assert "busy or locked" in at.error[-1].value
    at.button[0].click().run()  # once the lock is gone, the same sync goes through
    assert "1 updated" in at.success[-1].value


def test_a_bad_database_url_gets_a_clear_message(app, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "nosuchdb://nowhere")
    at = app()
    assert not at.exception
    assert "Cannot open the database" in at.error[0].value


# ------------------------------------------------------------------------------------------- search


def search_page(app, monkeypatch, db, **query_params):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    return app("pages/search.py", **query_params)


@on_the_indexed_sqlite_copy
def test_search_page_with_an_empty_query_offers_examples(app, monkeypatch, indexed_db_copy) -> None:
    at = search_page(app, monkeypatch, indexed_db_copy)
    assert not at.exception
    assert "Type a question" in at.info[0].value
    assert at.get("page_link") == [] or all("id" not in str(p.proto) for p in at.get("page_link"))
    at.button[0].click().run()  # an example question
    assert not at.exception
    assert "results ·" in " ".join(c.value for c in at.caption)


@on_the_indexed_sqlite_copy
def test_search_page_answers_a_paraphrase(app, monkeypatch, indexed_db_copy) -> None:
    at = search_page(app, monkeypatch, indexed_db_copy)
    at.text_input(key="sq").input("why does my detector draw several boxes around the same dog?").run()
    assert not at.exception
    labels = page_link_labels(at)
    assert "Non-max suppression (NMS)" in labels[:3]
    caption = " ".join(c.value for c in at.caption)
    assert "Hybrid ranking" in caption and " ms " in caption


@on_the_indexed_sqlite_copy
def test_search_page_keyword_mode_and_post_filter(app, monkeypatch, indexed_db_copy) -> None:
    at = search_page(app, monkeypatch, indexed_db_copy, q="optimiser", mode="keyword")
    assert not at.exception
    before = page_link_labels(at)
    at.multiselect[0].select("day-173").run()
    after = page_link_labels(at)
    assert after and after != before and "Adam optimiser" in after
    assert "Keywords ranking" in " ".join(c.value for c in at.caption)


@on_the_indexed_sqlite_copy
def test_search_page_nonsense_and_very_long_queries(app, monkeypatch, indexed_db_copy) -> None:
    at = search_page(app, monkeypatch, indexed_db_copy)
    at.text_input(key="sq").input("asdkjh qwpoe zzxc").run()
    assert not at.exception
    assert any("Nothing in the notes matches" in w.value for w in at.warning)
    at.text_input(key="sq").input("how does dropout work " * 40).run()
    assert not at.exception
    assert any("only the first" in w.value for w in at.warning)


@on_the_indexed_sqlite_copy
def test_card_page_shows_similar_cards_by_meaning(app, monkeypatch, indexed_db_copy) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{indexed_db_copy}")
    at = app("pages/card.py", id="adagrad")
    assert not at.exception
    assert "**Similar cards** (by meaning, topic and links)" in [m.value for m in at.markdown]
    assert "RMSProp" in page_link_labels(at) or "AdaDelta" in page_link_labels(at)


# ------------------------------------------------------------------------------------------- quiz


def answer_current_question(at) -> str:
    """Answer whatever kind of question is showing, then press the Good button. Returns the kind."""
    show = [b for b in at.button if b.label == "Show answer"]
    if show:
        show[0].click().run()
        kind = "qa"
    elif any(t.label == "Your answer" for t in at.text_input):
        next(t for t in at.text_input if t.label == "Your answer").input("some guess")
        next(b for b in at.button if b.label == "Check").click().run()
        kind = "cloze"
    else:
        at.radio[0].set_value(at.radio[0].options[0])
        next(b for b in at.button if b.label == "Check").click().run()
        kind = "mcq"
    assert not at.exception
    good = [b for b in at.button if b.label.startswith("Good")]
    assert good, [b.label for b in at.button]
    good[0].click().run()
    assert not at.exception
    return kind


def test_quiz_needs_a_profile_then_stores_every_answer(app, tmp_path) -> None:
    from sqlmodel import Session, select

    from db.engine import make_engine
    from db.models import ReviewRow

    at = app("pages/quiz.py")
    assert not at.exception
    assert "Create a profile" in at.info[0].value
    next(t for t in at.text_input if t.label == "New profile").input("Ada")
    next(b for b in at.button if b.label == "Create").click().run()
    assert not at.exception
    assert at.selectbox[0].value == "Ada"
    kinds = [answer_current_question(at) for _ in range(3)]
    assert "3 answered this session" in " ".join(c.value for c in at.caption)
    engine = make_engine(app.db_url)
    with Session(engine) as session:
        reviews = session.exec(select(ReviewRow)).all()
    engine.dispose()
    assert len(reviews) == 3 and {r.rating for r in reviews} == {3} and len({r.item_id for r in reviews}) == 3
    assert all(r.mode == "due" and r.state_after for r in reviews)
    assert kinds  # the kinds met depend on the first cards' items

    card_id = reviews[0].card_id  # the card page now shows this profile's history for that card
    answered_here = sum(r.card_id == card_id for r in reviews)
    at.query_params["id"] = card_id
    at.switch_page("pages/card.py")
    at.run()
    assert not at.exception
    assert any(e.label == f"Your reviews of this card (Ada): {answered_here}" for e in at.expander)
    assert len(at.dataframe[0].value) == answered_here


def test_quiz_rejects_a_bad_profile_name_and_explains_an_unknown_one(app) -> None:
    at = app("pages/quiz.py", learner="Nobody")
    assert not at.exception
    assert any("no profile called" in w.value for w in at.warning)
    next(t for t in at.text_input if t.label == "New profile").input("   ")
    next(b for b in at.button if b.label == "Create").click().run()
    assert "1 to 40 characters" in at.error[0].value


def test_quiz_page_exports_and_imports(app) -> None:
    at = app("pages/quiz.py")
    next(t for t in at.text_input if t.label == "New profile").input("Ada")
    next(b for b in at.button if b.label == "Create").click().run()
    assert not at.download_button  # nothing is computed until asked for
    next(b for b in at.button if b.label == "Prepare the files").click().run()
    assert not at.exception
    assert [d.proto.label for d in at.download_button] == ["Anki package (.apkg)", "CSV"]
    assert any("computed questions becomes 3 fixed examples" in c.value for c in at.caption)
    assert any("/card?id=non-max-suppression" in c.value for c in at.caption)  # where card ids come from
    csv_text = b"card_id,question,answer\nyolo,What does YOLO look at once?,The whole image\nnope,Q?,A\n"
    at.file_uploader[0].upload("mine.csv", csv_text, "text/csv").run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception
    assert "1 added, 0 already present, 1 rows skipped" in at.warning[-1].value
    assert any(t.value.startswith("line 3: no card with id 'nope'") for t in at.text)


def test_progress_page_draws_a_profiles_history(app, tmp_path) -> None:
    import datetime as dt

    import fsrs
    from sqlmodel import Session

    from db.engine import make_engine
    from kb.quiz import get_or_create_learner, record_review

    at = app("pages/progress.py")
    assert "Create a profile" in at.info[0].value  # nothing is preselected
    engine = make_engine(app.db_url)
    now = dt.datetime.now(dt.UTC)
    yolo, ssd = (
        f"{card}:{next(c for c in load_content(REAL_CONTENT).cards if c.id == card).quiz[0].key}"
        for card in ("yolo", "ssd")
    )
    with Session(engine) as session:
        ada = get_or_create_learner("Ada", session=session)
        for n, item in enumerate((yolo, ssd, yolo, "retired:1")):  # an item no longer in the quiz is not "started"
            record_review(
                ada, item, item.split(":")[0], fsrs.Rating.Good, now - dt.timedelta(days=max(0, 2 - n)), session=session
            )
    engine.dispose()
    at.query_params["learner"] = "Ada"  # a link to Ada's profile picks it
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reviews"] == "4" and metrics["Items started"] == "2" and metrics["Streak"] == "3 d"
    assert len(at.get("plotly_chart")) == 4


def create_profile(at, name: str = "Ada") -> None:
    next(t for t in at.text_input if t.label == "New profile").input(name)
    next(b for b in at.button if b.label == "Create").click().run()
    assert not at.exception


def reviews_of(db_url: str):  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select

    from db.engine import make_engine
    from db.models import ReviewRow

    engine = make_engine(db_url)
    with Session(engine) as session:
        rows = session.exec(select(ReviewRow).order_by(ReviewRow.id)).all()  # type: ignore[arg-type]
    engine.dispose()
    return rows


def test_quiz_answers_a_computed_item_right_and_one_wrong(app) -> None:
    from demos.questions import by_id

    at = app("pages/quiz.py")
    create_profile(at)
    at.segmented_control(key="kinds").set_value("Computed").run()
    assert not at.exception
    seen = []
    for typed_right in (True, False):
        current = at.session_state["quiz_current"]
        assert current.item_id.startswith("predict:")
        template = by_id()[current.item_id.removeprefix("predict:")]
        inst = template.instance(current.seed)
        assert inst.prompt in [m.value.removeprefix("#### ").replace("\\", "") for m in at.markdown]
        typed = inst.answer.shown if typed_right else "-123456789"
        next(t for t in at.text_input if t.label == "Your answer").input(typed)
        next(b for b in at.button if b.label == "Check").click().run()
        assert not at.exception
        if typed_right:
            assert at.success and at.success[0].value.startswith("Right")
        else:
            assert at.error and at.error[0].value.startswith("Not quite")
        assert any(c.value.startswith("Computed by") for c in at.caption)
        buttons = {b.label.split(" ·")[0]: b for b in at.button if b.key and b.key.startswith("rate-")}
        assert buttons["Good"].proto.type == ("primary" if typed_right else "secondary")  # no Good after a miss
        assert buttons["Again"].proto.type == ("secondary" if typed_right else "primary")
        assert [buttons[k].proto.shortcut for k in ("Again", "Hard", "Good", "Easy")] == ["1", "2", "3", "4"]
        seen.append(current.item_id)
        buttons["Good"].click().run()
        assert not at.exception
    reviews = reviews_of(app.db_url)
    assert [r.item_id for r in reviews] == seen and len(set(seen)) == 2


def test_a_question_stays_until_it_is_rated_even_when_another_falls_due(app) -> None:
    import datetime as dt

    from sqlmodel import Session, select

    from db.engine import make_engine
    from db.models import ItemStateRow

    at = app("pages/quiz.py")
    create_profile(at)
    at.segmented_control(key="kinds").set_value("Written").run()
    answer_current_question(at)  # rated Good: due again in 10 minutes
    first = reviews_of(app.db_url)[0].item_id
    shown = at.session_state["quiz_current"].item_id
    assert shown != first
    engine = make_engine(app.db_url)
    with Session(engine) as session:  # the first item falls due while the second is being answered
        state = session.exec(select(ItemStateRow).where(ItemStateRow.item_id == first)).one()
        state.due = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        session.add(state)
        session.commit()
    engine.dispose()
    at.run()
    assert at.session_state["quiz_current"].item_id == shown
    kind = answer_current_question(at)  # the answer given is for the question shown, and it is stored for it
    assert kind and reviews_of(app.db_url)[-1].item_id == shown


def test_siblings_apart_space_to_show_and_answers_counted_per_profile(app) -> None:
    at = app("pages/quiz.py")
    create_profile(at, "Bob")
    create_profile(at, "Ada")
    show = [b for b in at.button if b.label == "Show answer"]
    if show:
        assert show[0].proto.shortcut.lower() == "space"
    for _ in range(5):
        answer_current_question(at)
    cards = [r.card_id for r in reviews_of(app.db_url)]
    assert len(cards) == 5 and all(a != b for a, b in itertools.pairwise(cards))
    assert "5 answered this session · profile Ada" in " ".join(c.value for c in at.caption)
    at.selectbox(key=PICK_KEY).set_value("Bob").run()
    assert "0 answered this session · profile Bob" in " ".join(c.value for c in at.caption)


def test_a_wrong_cloze_answer_shows_a_diff(app) -> None:
    at = app("pages/quiz.py")
    create_profile(at)
    at.selectbox(key="scope").set_value("A tag").run()
    at.selectbox(key="scope_tag").set_value("regularization").run()
    at.segmented_control(key="kinds").set_value("Written").run()
    for _ in range(12):
        if any(t.label == "Your answer" for t in at.text_input):
            break
        answer_current_question(at)
    item = at.session_state["quiz_current"].item_id
    next(t for t in at.text_input if t.label == "Your answer").input("zzz")
    next(b for b in at.button if b.label == "Check").click().run()
    assert not at.exception and item == at.session_state["quiz_current"].item_id
    assert any(m.value.startswith("Your answer against it:") and ":red[~~zzz~~]" in m.value for m in at.markdown)


def test_one_count_of_questions_everywhere(app) -> None:
    at = app()
    home = int(next(m.value for m in at.metric if m.label == "Quiz questions").replace(",", ""))
    at.switch_page("pages/quiz.py")
    at.run()
    create_profile(at)
    export = next(c.value for c in at.caption if "items in the current scope (everything)" in c.value)
    assert export.startswith(f"{home} items")
    answer_current_question(at)
    at.switch_page("pages/progress.py")
    at.run()
    started = next(m for m in at.metric if m.label == "Items started")
    assert started.value == "1" and started.proto.help == f"of {home} quiz items"
