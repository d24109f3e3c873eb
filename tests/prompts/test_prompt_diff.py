"""Diffs: per-message line diffs with word spans, variables, params, and the unified text."""

from __future__ import annotations

import json

from workbench.prompts import (
    PromptContent,
    chat_content,
    diff_contents,
    format_unified,
    make_content,
)
from workbench.prompts.diff import diff_lines, word_spans


def _chat(*messages: tuple[str, str], **params: object) -> PromptContent:
    return make_content(messages=list(messages), params=params)


def test_identical_contents_have_an_empty_diff() -> None:
    content = _chat(("user", "Hi {{ name }}"), temperature=0.5)

    diff = diff_contents(content, content)

    assert diff.identical
    assert [m.status for m in diff.messages] == ["unchanged"]
    assert diff.params == ()
    assert (diff.variables_added, diff.variables_removed) == ((), ())
    assert "no differences" in format_unified(diff)


def test_changed_line_carries_word_spans_for_the_changed_words() -> None:
    old = _chat(("system", "You are a support agent.\nBe brief."))
    new = _chat(("system", "You are a friendly support agent.\nBe brief."))

    (message,) = diff_contents(old, new).messages

    assert message.status == "changed"
    kinds = [(line.kind, line.text) for line in message.lines]
    assert kinds == [
        ("delete", "You are a support agent."),
        ("insert", "You are a friendly support agent."),
        ("equal", "Be brief."),
    ]
    inserted = [s.text for s in message.lines[1].spans if s.kind == "insert"]
    assert inserted == ["friendly "]
    assert all(s.kind == "equal" for s in message.lines[0].spans)


def test_word_spans_rebuild_both_lines_exactly() -> None:
    old, new = "Réponds vite, s'il te plaît 🙂", "Réponds lentement, s'il vous plaît 🙂!"

    old_spans, new_spans = word_spans(old, new)

    assert "".join(s.text for s in old_spans) == old
    assert "".join(s.text for s in new_spans) == new
    assert {s.text for s in old_spans if s.kind == "delete"} == {"vite", "te"}
    assert {s.text for s in new_spans if s.kind == "insert"} == {"lentement", "vous", "!"}


def test_line_numbers_follow_each_side() -> None:
    lines = diff_lines("a\nb\nc", "a\nB\nc\nd")

    assert [(line.kind, line.old_lineno, line.new_lineno) for line in lines] == [
        ("equal", 1, 1),
        ("delete", 2, None),
        ("insert", None, 2),
        ("equal", 3, 3),
        ("insert", None, 4),
    ]


def test_added_system_message_is_aligned_by_role() -> None:
    old = _chat(("user", "{{ q }}"))
    new = _chat(("system", "Be kind."), ("user", "{{ q }}"))

    diff = diff_contents(old, new)

    assert [(m.status, m.old_index, m.new_index) for m in diff.messages] == [
        ("added", None, 0),
        ("unchanged", 0, 1),
    ]
    assert diff.messages[0].title == "message 1 (system)"
    assert diff.messages[1].title == "message 2 (user) (was message 1 (user))"


def test_removed_turns_are_reported_as_removed() -> None:
    old = _chat(("user", "Hi"), ("assistant", "Hello!"), ("user", "{{ q }}"))
    new = _chat(("user", "Hi"))

    diff = diff_contents(old, new)

    assert [m.status for m in diff.messages] == ["unchanged", "removed", "removed"]
    assert diff.variables_removed == ("q",)
    assert [line.kind for line in diff.messages[2].lines] == ["delete"]


def test_variables_added_and_removed() -> None:
    old = _chat(("user", "{{ message }} {{ order }}"))
    new = _chat(("user", "{{ customer_name }}: {{ message }}"))

    diff = diff_contents(old, new)

    assert diff.variables_added == ("customer_name",)
    assert diff.variables_removed == ("order",)


def test_params_added_removed_and_changed() -> None:
    old = _chat(("user", "x"), temperature=0.7, stop=["###"])
    new = _chat(("user", "x"), temperature=0.3, seed=42)

    diff = diff_contents(old, new)

    assert [(c.name, c.status, c.old, c.new) for c in diff.params] == [
        ("seed", "added", None, 42),
        ("stop", "removed", ("###",), None),
        ("temperature", "changed", 0.7, 0.3),
    ]
    assert [m.status for m in diff.messages] == ["unchanged"]


def test_empty_template_against_text() -> None:
    diff = diff_contents(make_content(template=""), make_content(template="Once {{ x }}"))

    (message,) = diff.messages
    assert message.title == "template"
    assert [(line.kind, line.text) for line in message.lines] == [("insert", "Once {{ x }}")]
    assert diff.variables_added == ("x",)
    assert "@@ -0,0 +1,1 @@" in format_unified(diff)


def test_both_empty_templates_are_identical() -> None:
    diff = diff_contents(make_content(template=""), make_content(template=""))

    assert diff.identical
    assert diff.messages[0].lines == ()


def test_empty_message_against_text_and_back() -> None:
    empty, full = _chat(("user", "")), _chat(("user", "Hello"))

    forward, backward = diff_contents(empty, full), diff_contents(full, empty)

    assert [line.kind for line in forward.messages[0].lines] == ["insert"]
    assert [line.kind for line in backward.messages[0].lines] == ["delete"]


def test_trailing_newline_is_a_visible_change() -> None:
    diff = diff_contents(_chat(("user", "Hi")), _chat(("user", "Hi\n")))

    assert not diff.identical
    assert [(line.kind, line.text) for line in diff.messages[0].lines] == [
        ("equal", "Hi"),
        ("insert", ""),
    ]


def test_chat_against_completion_shows_the_kind_change() -> None:
    diff = diff_contents(_chat(("user", "Q")), make_content(template="Q"))

    assert (diff.old_kind, diff.new_kind) == ("chat", "completion")
    assert diff.messages[0].status == "changed"
    assert "=== kind: chat -> completion" in format_unified(diff)


def test_unified_text_is_plain_without_colour() -> None:
    old = _chat(("system", "You are a support agent."), ("user", "{{ m }}"), temperature=0.7)
    new = _chat(("system", "You are a kind agent."), ("user", "{{ m }} {{ n }}"), temperature=0.3)

    text = format_unified(diff_contents(old, new, old_ref="p@1", new_ref="p@2"))

    assert "\x1b[" not in text
    assert text.splitlines() == [
        "--- p@1",
        "+++ p@2",
        "=== message 1 (system): changed",
        "@@ -1,1 +1,1 @@",
        "-You are a support agent.",
        "+You are a kind agent.",
        "=== message 2 (user): changed",
        "@@ -1,1 +1,1 @@",
        "-{{ m }}",
        "+{{ m }} {{ n }}",
        "=== variables",
        "+n",
        "=== params",
        "-temperature: 0.7",
        "+temperature: 0.3",
    ]


def test_unified_text_in_colour_highlights_changed_words() -> None:
    old = _chat(("user", "Answer briefly."))
    new = _chat(("user", "Answer politely."))

    text = format_unified(diff_contents(old, new), color=True)

    assert "\x1b[31m-Answer \x1b[7mbriefly\x1b[27m.\x1b[0m" in text
    assert "\x1b[32m+Answer \x1b[7mpolitely\x1b[27m.\x1b[0m" in text


def test_unified_hunks_keep_only_context_lines_around_changes() -> None:
    old_text = "\n".join(f"line {n}" for n in range(1, 21))
    new_text = old_text.replace("line 2\n", "line two\n").replace("line 18", "line eighteen")

    text = format_unified(
        diff_contents(_chat(("user", old_text)), _chat(("user", new_text))), context=1
    )

    assert "@@ -1,3 +1,3 @@" in text
    assert "@@ -17,3 +17,3 @@" in text
    assert "line 10" not in text


def test_structured_diff_is_json_ready_and_unicode_safe() -> None:
    old = chat_content(user="Grüße {{ name }}", params={"stop": ["\n"]})
    new = chat_content(user="Grüße, {{ name }} 🙂", params={"stop": ["\n", "##"]})

    data = diff_contents(old, new, old_ref="g@1", new_ref="g@2").to_dict()
    round_trip = json.loads(json.dumps(data, ensure_ascii=False))

    assert round_trip["old"]["ref"] == "g@1"
    assert round_trip["identical"] is False
    assert round_trip["params"] == [
        {"name": "stop", "status": "changed", "old": ["\n"], "new": ["\n", "##"]}
    ]
    line = round_trip["messages"][0]["lines"][1]
    assert line["kind"] == "insert"
    assert "".join(span["text"] for span in line["spans"]) == "Grüße, {{ name }} 🙂"


def test_unsaved_edit_with_a_syntax_error_still_gets_a_text_diff() -> None:
    diff = diff_contents(make_content(template="Hi {{ name }}"), make_content(template="Hi {{ na"))

    assert [line.kind for line in diff.messages[0].lines] == ["delete", "insert"]
    assert diff.variables_removed == ("name",)
