"""The Prompts page's parts on their own: highlighting, diff layout and view, forms, preview."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from workbench.prompts import (
    PromptTemplateError,
    TemplateRenderError,
    diff_contents,
    make_content,
)
from workbench.ui.prompts.diff_rows import changed_words, side_by_side_rows, summary_parts
from workbench.ui.prompts.diff_view import DiffView, marked_words, row_kinds
from workbench.ui.prompts.editor_panel import PromptEditorPanel, check_parts
from workbench.ui.prompts.forms import ParamsForm, SampleValuesForm
from workbench.ui.prompts.highlighter import COMMENT, EXPRESSION, TAG, TEXT, template_spans
from workbench.ui.prompts.message_editor import MessageListEditor
from workbench.ui.prompts.renderer import PreviewRenderer, placeholder

V2 = make_content(
    messages=[
        (
            "system",
            "You are a friendly support agent for Lumen Lamps, a shop that sells desk lamps.\n"
            "Answer in two short sentences. Be polite and helpful.",
        ),
        ("user", "{{ message }}"),
    ],
    params={"max_tokens": 96, "temperature": 0.7},
)
V3 = make_content(
    messages=[
        (
            "system",
            "You are a friendly support agent for Lumen Lamps, a shop that sells desk lamps.\n"
            "Answer in two short sentences. Be polite and helpful.\n"
            "Greet the customer by name.",
        ),
        ("user", "Customer {{ customer_name }} asks: {{ message }}"),
    ],
    params={"max_tokens": 96, "temperature": 0.3, "repeat_penalty": 1.15},
)


def test_highlighter_finds_expressions_tags_and_comments() -> None:
    spans, state = template_spans("Hi {{ name }}, {% if vip %}dear{% endif %} {# note #}")

    kinds = [(kind, start, length) for start, length, kind in spans]
    assert kinds[0] == (EXPRESSION, 3, len("{{ name }}"))
    assert [k for k, _, _ in kinds] == [EXPRESSION, TAG, TAG, COMMENT]
    assert state == TEXT


def test_highlighter_carries_an_open_tag_to_the_next_line() -> None:
    first, state = template_spans("Dear {% if")
    second, end_state = template_spans("  vip %}friend", state)

    assert first == [(5, 5, TAG)]
    assert state == TAG
    assert second == [(0, len("  vip %}"), TAG)]
    assert end_state == TEXT


def test_side_by_side_rows_stay_aligned_with_fillers() -> None:
    rows = side_by_side_rows(diff_contents(V2, V3))

    kinds = [(row.left.kind, row.right.kind) for row in rows]
    assert ("filler", "insert") in kinds  # the added system line faces a filler
    assert ("delete", "insert") in kinds  # the changed user line faces its old text
    assert changed_words(rows, "right") == ["Customer {{ customer_name }} asks: "]
    assert changed_words(rows, "left") == []


def test_diff_summary_names_variables_and_params() -> None:
    parts = summary_parts(diff_contents(V2, V3))

    assert "2 messages changed" in parts
    assert "+ variable customer_name" in parts
    assert "temperature 0.7 → 0.3" in parts
    assert "+ repeat_penalty 1.15" in parts
    assert summary_parts(diff_contents(V3, V3)) == [
        "No differences: both sides have the same content."
    ]


def test_diff_view_highlights_changed_words_in_its_formats(qtbot: Any) -> None:
    view = DiffView()
    qtbot.addWidget(view)
    old = make_content(messages=[("user", "Answer in two short sentences.")])
    new = make_content(messages=[("user", "Answer in three short sentences, politely.")])

    view.show_diff(diff_contents(old, new), "v1", "v2")

    assert marked_words(view.left) == [("delete", "two")]
    assert marked_words(view.right) == [("insert", "three"), ("insert", ", politely")]
    assert row_kinds(view.left) == ["heading", "delete"]
    assert row_kinds(view.right) == ["heading", "insert"]
    assert view.left.document().blockCount() == view.right.document().blockCount()
    assert "1 message changed" in view.summary.text()


def test_check_parts_reports_errors_per_message_with_line_and_column() -> None:
    draft = check_parts([("system", "Fine {{ a }}"), ("user", "ok\n{{ b ")], {})

    assert set(draft.errors) == {1}
    error = draft.errors[1]
    assert isinstance(error, PromptTemplateError)
    assert (error.line, error.column) == (2, 6)
    assert not draft.savable
    assert draft.variables == ("a", "b")  # a broken message keeps its sample field


def test_params_form_keeps_stored_values_exactly_until_edited(qtbot: Any) -> None:
    form = ParamsForm()
    qtbot.addWidget(form)
    form.set_params({"temperature": 0.333, "stop": ("###", "\n\n"), "seed": 4_000_000_000})

    assert form.params() == {"temperature": 0.333, "seed": 4_000_000_000, "stop": ("###", "\n\n")}
    with qtbot.waitSignal(form.edited):
        form.checks["top_k"].setChecked(True)
    form.fields["temperature"].setValue(0.5)  # type: ignore[attr-defined]
    form.checks["stop"].setChecked(False)

    assert form.params() == {"temperature": 0.5, "top_k": 40, "seed": 4_000_000_000}


def test_sample_values_survive_a_variable_going_and_coming_back(qtbot: Any) -> None:
    form = SampleValuesForm()
    qtbot.addWidget(form)
    form.set_variables(["name", "topic"])
    form.fields["name"].setPlainText("Ada")

    form.set_variables(["topic"])
    form.set_variables(["topic", "name"])

    assert form.values() == {"topic": "", "name": "Ada"}
    assert form.all_values() == {"name": "Ada"}


def test_message_editor_adds_moves_and_removes_turns(qtbot: Any) -> None:
    editor = MessageListEditor()
    qtbot.addWidget(editor)
    editor.set_content(V2)
    edits: list[bool] = []
    editor.edited.connect(lambda: edits.append(True))

    card = editor.add_message("assistant", "Sure!")
    editor.move_message(2, -1)
    assert [role for role, _ in editor.parts()] == ["system", "assistant", "user"]
    card.role_combo.setCurrentText("user")
    editor.remove_message(0)

    assert editor.parts() == [("user", "Sure!"), ("user", "{{ message }}")]
    assert len(edits) == 4
    assert not editor.cards[0].up_button.isEnabled()
    assert not editor.cards[1].down_button.isEnabled()


def test_completion_prompt_has_one_template_and_no_turn_buttons(qtbot: Any) -> None:
    editor = MessageListEditor()
    qtbot.addWidget(editor)
    editor.set_content(make_content(template="Q: {{ q }}\nA:"))

    assert editor.kind == "completion"
    assert editor.parts() == [("template", "Q: {{ q }}\nA:")]
    assert editor.add_buttons["user"].isHidden()


def test_editor_marks_the_error_position_in_the_text(qtbot: Any) -> None:
    panel = PromptEditorPanel()
    qtbot.addWidget(panel)
    panel.set_content(V3)

    panel.messages.cards[1].editor.setPlainText("Hi {{ customer_name }}\n{% if %}x{% endif %}")
    draft = panel.check_now()

    card = panel.messages.cards[1]
    assert draft.errors
    assert card.error_label.text().startswith("⚠ Line 2, column")
    assert card.editor.marked_text()
    assert "Fix the template error" in panel.preview.toPlainText()


def test_preview_renders_only_the_newest_request(qtbot: Any) -> None:
    renderer = PreviewRenderer()
    results: list[Any] = []
    renderer.preview_rendered.connect(results.append)

    for name in ("a", "b", "c"):
        renderer.request(make_content(messages=[("user", "Hi {{ who }}")]), {"who": name})
    qtbot.waitUntil(lambda: bool(results) and not renderer.busy)

    assert len(results) == 1
    assert results[0].rendered.messages[0].content == "Hi c"


RUNAWAY = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"


def test_a_newer_request_stops_a_runaway_render(qtbot: Any) -> None:
    renderer = PreviewRenderer()
    results: list[Any] = []
    renderer.preview_rendered.connect(results.append)

    renderer.request(make_content(messages=[("user", RUNAWAY)]), {})
    qtbot.wait(50)
    renderer.request(make_content(messages=[("user", "Hi {{ who }}")]), {"who": "Ada"})
    qtbot.waitUntil(lambda: bool(results) and not renderer.busy, timeout=3000)

    assert [r.rendered.messages[0].content for r in results] == ["Hi Ada"]
    qtbot.waitUntil(lambda: all(t.name != "prompt-preview" for t in threading.enumerate()))


def test_a_runaway_render_stops_at_the_time_limit(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workbench.ui.prompts.renderer.RENDER_LIMIT_MS", 300)
    renderer = PreviewRenderer()

    with qtbot.waitSignal(renderer.preview_rendered, timeout=3000) as rendered:
        renderer.request(make_content(messages=[("user", RUNAWAY)]), {})

    assert isinstance(rendered.args[0].error, TemplateRenderError)
    assert "Rendering stopped" in str(rendered.args[0].error)
    qtbot.waitUntil(lambda: not renderer.busy)


def test_preview_shows_placeholders_for_missing_values_and_honours_defaults(qtbot: Any) -> None:
    panel = PromptEditorPanel()
    qtbot.addWidget(panel)
    content = make_content(messages=[("user", "{{ greeting | default('Hello') }}, {{ name }}")])

    panel.set_content(content)
    qtbot.waitUntil(lambda: panel.preview_current)

    assert f"Hello, {placeholder('name')}" in panel.preview.toPlainText()
    assert panel.preview.result is not None
    assert panel.preview.result.placeholders == ("name",)
