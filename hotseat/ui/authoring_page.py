"""Customers (authors and admins): built-in and custom customers side by side; write your own from a template.

An author copies a built-in customer, edits it in a form (errors beside their fields), saves versions,
test-drives a version on the practice page, runs the built-in check and publishes once it passes;
customers go in and out as YAML. The work itself is hotseat.authoring's; this page renders and dispatches.
"""

from __future__ import annotations

from typing import Any, cast

import streamlit as st

from hotseat.authoring.catalog import PersonaCatalog, PersonaEntry, VersionInfo
from hotseat.authoring.check import CheckReport
from hotseat.authoring.draft import apply_draft, draft_persona
from hotseat.authoring.operations import (
    CheckFailed,
    create_persona,
    export_yaml,
    import_yaml,
    last_check,
    list_versions,
    load_version,
    may_author,
    publish,
    run_check,
    save_version,
)
from hotseat.authoring.validation import PersonaInvalid
from hotseat.errors import HotseatError, NotFoundError
from hotseat.org.accounts import actor_by_id, can_author
from hotseat.practice.personas import Difficulty
from hotseat.providers.base import ChatModel
from hotseat.ui import persona_form
from hotseat.ui.components import as_text
from hotseat.ui.context import PageContext
from hotseat.ui.state import EditorState, flash

REFUSAL = "Only an author or an admin writes customers. Ask an admin for the author role."


def render(page: PageContext) -> None:
    """Render the customers page: the catalog, a new customer from a template, import, and the editor."""
    if not page.open("Customers"):
        return
    if not can_author(page.actor):
        st.info(REFUSAL)
        return
    if not may_author(page.svc.store, page.actor):  # the local user, once accounts exist, must sign in
        st.info("Sign in as an author or admin to write customers.")
        return
    catalog = _catalog(page)
    try:
        entries = catalog.entries(include_unpublished=True)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    editor = page.state.editor
    picked = _listing(page, entries)
    _new_from_template(page, catalog, entries, expanded=picked or editor.persona_id is None)
    _import(page, catalog)
    if editor.persona_id is not None:
        _editor(page, catalog, editor)
    _rendered_marker(page, catalog, editor)


def _rendered_marker(page: PageContext, catalog: PersonaCatalog, editor: EditorState) -> None:
    """An empty keyed container, drawn last: which version the editor shows, its check and what is published.

    `hs_customers_<id>_v<version>_check-<passed|failed|none>_pub<published version or 0>_err<errors shown>`
    (`hs_customers_none` with no editor open), so a browser test waits for what it expects instead of guessing.
    """
    key = "hs_customers_none"
    if editor.persona_id is not None and editor.version is not None:
        try:
            versions = list_versions(page.svc.store, catalog, page.actor, editor.persona_id)
        except HotseatError:
            versions = []
        shown = next((v for v in versions if v.version == editor.version), None)
        published = next((v.version for v in versions if v.current), 0)
        check = {True: "passed", False: "failed", None: "none"}[shown.check_passed if shown else None]
        errors = sum(len(m) for m in editor.errors.values()) + len(editor.problems)
        key = f"hs_customers_{editor.persona_id}_v{editor.version}_check-{check}_pub{published}_err{errors}"
    st.container(key=key, height=1, border=False)


def _catalog(page: PageContext) -> PersonaCatalog:
    return page.svc.personas


# -- the catalog -------------------------------------------------------------------------------
def _listing(page: PageContext, entries: list[PersonaEntry]) -> bool:
    """The customers, built-in and custom; True when "Use as template" was pressed in this run."""
    picked = False
    st.caption("Built-in customers are read-only: use one as the template for your own.")
    for entry in entries:
        with st.container(border=True, key=f"au_entry_{entry.id}"):
            left, right = st.columns([4, 1])
            killer = f"{entry.loyalty_killer}. " if entry.loyalty_killer else ""
            left.markdown(f"**{killer}{as_text(entry.title)}**")
            left.caption(f"`{entry.id}` · {entry.marker}")
            if entry.built_in:
                if right.button("Use as template", key=f"au_template_{entry.id}", type="tertiary"):
                    st.session_state["au_new_template"] = entry.id
                    picked = True
            elif right.button("Edit", key=f"au_edit_{entry.id}", type="tertiary"):
                _open(page, entry.id)
                st.rerun()
    return picked


def _new_from_template(
    page: PageContext, catalog: PersonaCatalog, entries: list[PersonaEntry], *, expanded: bool
) -> None:
    templates = {e.id: e for e in entries if e.built_in or e.published_version is not None}
    if not templates:
        return
    with st.expander("New customer from a template", expanded=expanded):
        template_id = st.selectbox(
            "Template", list(templates), format_func=lambda i: templates[i].title, key="au_new_template"
        )
        try:
            template = catalog.get(template_id or next(iter(templates)))
        except HotseatError as exc:
            st.error(exc.user_message())
            return
        scenarios = {s.id: s.title for s in template.scenarios}
        scenario_id = st.selectbox(
            "Scenario to start from", list(scenarios), format_func=scenarios.__getitem__, key="au_new_scenario"
        )
        new_id = st.text_input("Id of your customer", placeholder="hotel-wifi-pitch", key="au_new_id")
        title = st.text_input("Title", placeholder="The Wi-Fi failed during my pitch", key="au_new_title")
        if st.button("Create", type="primary", key="au_new_create"):
            # The copy keeps one scenario (the one picked), the one the editor shows.
            data = template.model_dump(mode="json")
            data["scenarios"] = [s for s in data["scenarios"] if s["id"] == scenario_id] or data["scenarios"][:1]
            data["id"] = new_id.strip()
            data["title"] = title.strip() or data["title"]
            try:
                info = create_persona(page.svc.store, catalog, page.actor, data, note=f"copied from {template.id}")
            except HotseatError as exc:
                st.error(exc.user_message())
                return
            for key in ("au_new_id", "au_new_title"):
                st.session_state.pop(key, None)
            _open(page, info.persona_id, info.version)
            flash(f"Created {as_text(info.persona_id)} (version {info.version}) from {as_text(template.title)}.")
            st.rerun()


def _import(page: PageContext, catalog: PersonaCatalog) -> None:
    with st.expander("Import a customer from YAML", expanded=st.session_state.get("au_import_file") is not None):
        upload = st.file_uploader("YAML file", type=["yaml", "yml"], key="au_import_file")
        if st.button("Import", key="au_import_submit", disabled=upload is None) and upload is not None:
            try:
                text = upload.getvalue().decode("utf-8")
                info = import_yaml(page.svc.store, catalog, page.actor, text, source=f"The file {upload.name}")
            except UnicodeDecodeError:
                st.error(f"The file {as_text(upload.name)} is not UTF-8 text.")
                return
            except HotseatError as exc:  # not YAML, or invalid: each field's error listed
                st.error(exc.user_message())
                return
            _open(page, info.persona_id, info.version)
            flash(f"Imported {as_text(info.persona_id)} as version {info.version}.")
            st.rerun()


# -- the editor --------------------------------------------------------------------------------
def _open(page: PageContext, persona_id: str, version: int | None = None) -> None:
    """Open a custom persona's version (None: the newest) in the editor; the next run fills its fields."""
    catalog = _catalog(page)
    persona, info = load_version(page.svc.store, catalog, page.actor, persona_id, version)
    latest = max(v.version for v in list_versions(page.svc.store, catalog, page.actor, persona_id))
    page.state.editor.open(persona_id, info.version, persona.model_dump(mode="json"), latest=latest)


def _editor(page: PageContext, catalog: PersonaCatalog, editor: EditorState) -> None:
    persona_id = editor.persona_id or ""
    try:
        versions = list_versions(page.svc.store, catalog, page.actor, persona_id)
    except NotFoundError:
        editor.open(None)
        return
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    if editor.refill or not persona_form.filled():  # just opened, or the page was left and the widgets forgotten
        persona_form.fill(editor.base)
        editor.refill = False
    current = next((v for v in versions if v.current), None)
    st.header(f"Editing {as_text(str(editor.base.get('title', persona_id)))}")
    st.caption(
        f"`{persona_id}` · editing version {editor.version} of {len(versions)} · "
        + (f"version {current.version} is published" if current else "not published yet")
    )
    scenarios = editor.base.get("scenarios") or []
    if len(scenarios) > 1:
        st.caption(
            f"This customer has {len(scenarios)} scenarios: the form edits the first; the others are kept as they "
            "are (export the YAML to edit them, then import it). The check plays every scenario."
        )
    _versions(page, versions)
    opened = next((v for v in versions if v.version == editor.version), None)
    if opened is not None:  # above the long form: what the saved version does, and publishing it
        _test_drive(page, catalog, opened)
        _export(catalog, opened)
    st.subheader(f"Edit (saving makes version {versions[-1].version + 1 if versions else 1})")
    _form(page, catalog, editor)


def _author_name(page: PageContext, author_id: int | None, names: dict[int, str]) -> str:
    if author_id is None:
        return "command line"
    if author_id not in names:
        try:
            names[author_id] = actor_by_id(page.svc.store, author_id).label
        except HotseatError:
            names[author_id] = f"user {author_id}"
    return names[author_id]


CHECK_TEXT = {True: "✅ passed", False: "❌ failed", None: "not run"}


def _versions(page: PageContext, versions: list[VersionInfo]) -> None:
    names: dict[int, str] = {}
    rows = [
        {
            "Version": v.version,
            "Saved by": _author_name(page, v.author_id, names),
            "When": f"{v.created_at:%Y-%m-%d %H:%M} UTC",
            "Note": v.note,
            "Check": CHECK_TEXT[v.check_passed],
            "Published": "✅ trainees play this" if v.current else ("earlier" if v.published else ""),
        }
        for v in reversed(versions)
    ]
    with st.expander("Versions", expanded=True), st.container(key="au_versions"):
        st.dataframe(rows, hide_index=True, width="stretch")
        older = [v.version for v in versions if v.version != page.state.editor.version]
        if older:
            left, right = st.columns([3, 1])
            picked = left.selectbox("Open another version", older, key="au_open_version", index=len(older) - 1)
            if right.button("Open", key="au_open_version_submit") and picked is not None:
                _open(page, page.state.editor.persona_id or "", picked)
                st.rerun()


def _form(page: PageContext, catalog: PersonaCatalog, editor: EditorState) -> None:
    model = _draft_model(page)
    if editor.drafted:
        st.info("The form holds the LLM's draft: review it, then save it (nothing is saved yet).", icon="✨")
    for problem in editor.problems:
        st.error(as_text(problem))
    with st.form("au_form", border=True, enter_to_submit=False):
        persona_form.draw(editor.errors)
        note = st.text_input("What changed (optional)", key="au_note")
        save_col, draft_col = st.columns(2)
        saved = save_col.form_submit_button("Save as a new version", type="primary", key="au_save")
        drafted = model is not None and draft_col.form_submit_button(
            "✨ Draft lines and examples with the LLM",
            key="au_draft",
            help="The LLM drafts their lines, the example utterances and the check's replies from these fields. "
            "You review the draft here; nothing is saved until you press Save.",
        )
    if saved:
        _save(page, catalog, editor, note)
    elif drafted and model is not None:
        _draft(page, editor, model)


def _draft_model(page: PageContext) -> ChatModel | None:
    """The configured LLM (None when the scripted customer plays: no draft is offered)."""
    model = getattr(page.svc.engine.customer, "model", None)
    return cast("ChatModel | None", model)


def _draft(page: PageContext, editor: EditorState, model: ChatModel) -> None:
    data = persona_form.collect(editor.base)  # what the author typed, saved or not
    try:
        with st.spinner("The LLM is drafting…"):
            draft = draft_persona(model, page.svc.prompts, data)
    except HotseatError as exc:
        editor.errors, editor.problems = {}, [f"No draft: {exc.user_message()}"]
        st.rerun()
    editor.base, editor.refill, editor.drafted = apply_draft(data, draft), True, True
    editor.errors, editor.problems = {}, []
    st.rerun()


def _save(page: PageContext, catalog: PersonaCatalog, editor: EditorState, note: str) -> None:
    data: dict[str, Any] = persona_form.collect(editor.base)
    persona_id = editor.persona_id or ""
    try:
        info = save_version(page.svc.store, catalog, page.actor, persona_id, data, note=note, based_on=editor.latest)
    except PersonaInvalid as exc:
        editor.errors, editor.problems = persona_form.place_errors((f.path, f.message) for f in exc.fields)
        st.rerun()  # drawn again with each error beside its field; what the author typed is kept
    except HotseatError as exc:
        editor.errors, editor.problems = {}, [exc.user_message()]
        st.rerun()
    st.session_state.pop("au_note", None)
    _open(page, persona_id, info.version)
    flash(f"Saved version {info.version} of {as_text(persona_id)}.")
    st.rerun()


# -- test drive, check, publish, export --------------------------------------------------------
def _test_drive(page: PageContext, catalog: PersonaCatalog, info: VersionInfo) -> None:
    st.subheader(f"Test drive version {info.version}")
    st.caption(f"Played by: {page.svc.provider_label}. Save first: the test drive plays the saved version.")
    levels = [d.value for d in Difficulty]
    difficulty = (
        st.segmented_control("Difficulty", levels, default=Difficulty.UPSET.value, key="au_difficulty")
        or Difficulty.UPSET.value
    )
    play, check, publish_col = st.columns(3)
    if play.button("▶ Play it now", key="au_play", use_container_width=True):
        _play(page, catalog, info, difficulty)
    if check.button("Run the check", key="au_check", use_container_width=True):
        try:
            run_check(
                page.svc.store, catalog, page.actor, info.persona_id, page.svc.settings, info.version,
                difficulty=Difficulty(difficulty),
            )  # fmt: skip
        except HotseatError as exc:
            st.error(exc.user_message())
        else:
            st.rerun()  # the version list shows the result too
    report = _last_report(page, info)
    passed = report is not None and report.passed
    if publish_col.button(
        "Publish",
        key="au_publish",
        type="primary",
        disabled=not passed or info.current,
        use_container_width=True,
        help="Trainees then see this version in the picker. The check must pass first.",
    ):
        _publish(page, catalog, info)
    if report is not None:
        _report(report)
    else:
        st.caption("The check has not run on this version yet: publishing needs it to pass.")


def _play(page: PageContext, catalog: PersonaCatalog, info: VersionInfo, difficulty: str) -> None:
    try:
        session = page.svc.engine.start(
            info.persona_id,
            difficulty=difficulty,
            user_id=page.actor.id,
            persona_version=info.version,
        )
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    page.practise(session.id, fresh=True)


def _publish(page: PageContext, catalog: PersonaCatalog, info: VersionInfo) -> None:
    try:
        done = publish(page.svc.store, catalog, page.actor, info.persona_id, page.svc.settings, info.version)
    except CheckFailed as exc:
        st.error(as_text(exc.message))
        return
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    flash(f"Published version {done.version} of {as_text(info.persona_id)}: trainees can pick it now.")
    st.rerun()


def _last_report(page: PageContext, info: VersionInfo) -> CheckReport | None:
    try:
        return last_check(page.svc.store, page.actor, info.persona_id, info.version)
    except HotseatError as exc:
        st.error(exc.user_message())
        return None


def _report(report: CheckReport) -> None:
    """The check's report in plain words: per scenario, how the good and the bad replies ended, and why."""
    with st.container(border=True, key="au_check_report"):
        if report.passed:
            st.success("The check passed: the good replies win the customer back and the bad ones make them walk away.")
        else:
            st.error("The check did not pass: change what it says below, save, and run it again.")
        st.caption(f"Played at difficulty {report.difficulty.value}, with the scripted customer.")
        for scenario in report.scenarios:
            st.markdown(f"**{as_text(scenario.title)}**")
            for result in (scenario.good, scenario.bad):
                mark = "✅" if result.passed else "❌"
                st.markdown(f"{mark} {result.path.capitalize()} replies: {as_text(result.explanation)}")
                if result.steps:
                    with st.expander(f"How the {result.path} conversation went"):
                        for step in result.steps:
                            st.markdown(f"**You:** {as_text(step.reply)}")
                            st.markdown(f"**Customer:** {as_text(step.answer)}")
                            if step.note:
                                st.caption(as_text(step.note))


def _export(catalog: PersonaCatalog, info: VersionInfo) -> None:
    try:
        text = export_yaml(catalog, info.persona_id, info.version)
    except HotseatError as exc:
        st.error(exc.user_message())
        return
    st.download_button(
        f"Export version {info.version} as YAML",
        text,
        file_name=f"{info.persona_id}.yaml",
        mime="application/x-yaml",
        key="au_export",
    )
    with st.expander(f"The YAML of version {info.version}"):
        st.code(text, language="yaml")
