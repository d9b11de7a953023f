"""Who is using this browser session, for every page that reads or writes a learner's data.

- **Signed in** (a group deployment: an ``[auth]`` section in ``.streamlit/secrets.toml``): every page needs
  sign-in (:func:`sign_in_gate`, called by app.py) and the learner *is* the signed-in identity, the provider's
  stable subject. Nothing in the page (no list, no ``?learner=``) can select another learner.
- **One learner on their own machine** (no ``[auth]``): named profiles, no password. Nothing is preselected: a
  profile is in use only once someone picks or creates it in this session (or opens a ``?learner=`` link to
  it), and that choice holds on every page until changed. "Create" refuses a name that exists.

Teachers (subjects listed under ``[study] teachers`` in secrets.toml) also see the class's aggregate progress.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import streamlit as st

from kb.learners import create_learner, find_learner, get_learner, learner_for_subject, profile_names
from kb.quiz import Learner, QuizError
from ui.data import session
from ui.text import md_escape

PROFILE_KEY = "profile_id"  # the chosen profile's id: a plain session key, so it survives page changes (B1)
PICK_KEY = "profile_pick"  # the selectbox's own key, set from PROFILE_KEY on every run


@dataclass(frozen=True)
class Identity:
    subject: str  # "<issuer> <sub>": stable for this account at this provider
    sub: str
    display: str


def _secrets_section(name: str) -> dict[str, object] | None:
    try:
        if name not in st.secrets:
            return None
        return dict(st.secrets[name])
    except FileNotFoundError:  # no secrets.toml at all
        return None


def auth_configured() -> bool:
    """True when the deployment has sign-in: an ``[auth]`` section in secrets.toml."""
    return _secrets_section("auth") is not None


def signed_in() -> Identity | None:
    """The signed-in identity, or None (not signed in, or no sign-in configured)."""
    if not auth_configured() or not st.user.is_logged_in:
        return None
    sub = str(st.user.get("sub") or "")
    if not sub:
        return None
    issuer = str(st.user.get("iss") or "")
    display = str(st.user.get("name") or st.user.get("email") or st.user.get("preferred_username") or "Learner")
    return Identity(subject=f"{issuer} {sub}".strip(), sub=sub, display=display)


def _teachers() -> set[str]:
    study = _secrets_section("study") or {}
    listed = study.get("teachers", [])
    return {str(t) for t in listed} if isinstance(listed, Iterable) and not isinstance(listed, str) else set()


def is_teacher() -> bool:
    """A signed-in identity listed under ``[study] teachers`` (by its ``sub``, or issuer and sub)."""
    who = signed_in()
    return who is not None and bool({who.sub, who.subject} & _teachers())


def gate_open() -> bool:
    """True when pages may show: no sign-in configured, or the visitor has signed in."""
    return not auth_configured() or signed_in() is not None


def sign_in_gate() -> None:
    """With sign-in configured: stop every page at a sign-in screen until the visitor signs in, then show who
    they are (and a sign-out button) in the sidebar. Without sign-in configured: nothing."""
    if not auth_configured():
        return
    who = signed_in()
    if who is None:
        st.title("DL Notes Study")
        st.markdown(
            "This study group's server needs you to sign in. Your answers, schedule and progress are kept under "
            "your account and shown only to you."
        )
        st.button("Sign in", icon=":material/login:", type="primary", on_click=st.login)
        st.stop()
    with st.sidebar:
        st.caption(f"Signed in as {md_escape(who.display)}" + (" · teacher" if is_teacher() else ""))
        st.button("Sign out", icon=":material/logout:", on_click=st.logout, key="sign-out")


def current_learner() -> Learner | None:
    """The learner this session acts as, without asking: the signed-in identity (created on first sign-in), or
    the profile picked earlier in this session; None if neither."""
    who = signed_in()
    if who is not None:
        with session() as db:
            return learner_for_subject(who.subject, who.display, session=db)
    if auth_configured():
        return None
    _follow_link()
    chosen = st.session_state.get(PROFILE_KEY)
    if chosen is None:
        return None
    with session() as db:
        learner = get_learner(int(chosen), session=db)
    if learner is None:  # deleted meanwhile
        st.session_state.pop(PROFILE_KEY, None)
    return learner


def _follow_link() -> bool:
    """Pick the profile a ``?learner=`` link names when this session has none picked; False if the link names
    no profile."""
    wanted = st.query_params.get("learner")
    if not wanted or st.session_state.get(PROFILE_KEY) is not None:
        return True
    with session() as db:
        linked = find_learner(wanted, session=db)
    if linked is None:
        return False
    st.session_state[PROFILE_KEY] = linked.id
    return True


def forget_profile() -> None:
    st.session_state.pop(PROFILE_KEY, None)
    st.query_params.pop("learner", None)


def _choose(learner_id: int, name: str) -> None:
    st.session_state[PROFILE_KEY] = learner_id
    st.query_params["learner"] = name


def profile_bar() -> Learner | None:
    """The learner for pages that need one. Signed in: a line saying who. Otherwise the profile picker (a list of
    profiles with nothing preselected, and "Create"), honouring a ``?learner=`` link once."""
    who = signed_in()
    if who is not None:
        learner = current_learner()
        assert learner is not None
        st.caption(f"Studying as {md_escape(learner.name)} (signed in).")
        return learner
    with session() as db:
        profiles = profile_names(session=db)
    ids = {name: learner_id for learner_id, name in profiles}
    names = {learner_id: name for learner_id, name in profiles}
    if st.session_state.get(PROFILE_KEY) not in names:
        st.session_state.pop(PROFILE_KEY, None)  # deleted meanwhile
    if not _follow_link():
        st.warning(
            f"There is no profile called “{md_escape(st.query_params.get('learner', '')[:40])}”. Create it "
            "below, or pick an existing one.",
            icon=":material/person_off:",
        )
    chosen = st.session_state.get(PROFILE_KEY)
    st.session_state[PICK_KEY] = names.get(chosen) if chosen in names else None

    def picked() -> None:
        name = st.session_state.get(PICK_KEY)
        if name in ids:
            _choose(ids[name], name)

    def create() -> None:
        try:
            with session() as db:
                created = create_learner(st.session_state.get("new_profile", ""), session=db)
        except QuizError as exc:
            st.session_state.profile_error = str(exc)
            return
        st.session_state.profile_error = None
        _choose(created.id, created.name)

    profile_col, new_col = st.columns([2, 3], vertical_alignment="bottom")
    with profile_col:
        st.selectbox(
            "Profile",
            options=list(ids),
            placeholder="Pick your profile" if ids else "No profile yet: create one",
            key=PICK_KEY,
            on_change=picked,
        )
    with new_col, st.form("new-profile", clear_on_submit=True, border=False):
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        left.text_input("New profile", placeholder="Your name, e.g. Ada", max_chars=40, key="new_profile")
        right.form_submit_button("Create", icon=":material/person_add:", on_click=create)
    if st.session_state.get("profile_error"):
        st.error(md_escape(st.session_state.profile_error), icon=":material/person_off:")
    learner = current_learner()
    if learner is None:
        st.info(
            "Create a profile to start, or pick yours: your answers and schedule are kept under its name. "
            "No password: anyone using this computer can open any profile (a group server should turn on "
            "sign-in, see the README).",
            icon=":material/person:",
        )
    else:
        st.query_params["learner"] = learner.name
    return learner
