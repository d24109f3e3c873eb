"""Prompt files: exact round-trips, and malformed files refused naming file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.prompts import PromptDocument, PromptFileError, load_content_file, make_content
from workbench.prompts.yaml_io import (
    VersionRecord,
    dump_prompt_document,
    load_prompt_document,
    read_text_file,
)

TRICKY_TEXTS = [
    "plain",
    "",
    "two\nlines",
    "trailing newline\n",
    "trailing spaces   \nand tab\t",
    "  leading spaces\n\tleading tab",
    "windows\r\nline end",
    "quotes ' \" and # hash: colon - dash",
    "yes",
    "123",
    "null",
    "2025-01-01",
    "unicode: Grüße 日本語 🙂 \u2028 separator",
    "{{ var }} at start",
    "- looks like a list",
    "\n\nleading blank lines",
]


def _document(*texts: str) -> PromptDocument:
    versions = tuple(
        VersionRecord(
            version=n,
            content=make_content(
                messages=[("system", "Sys"), ("user", text)],
                params={"temperature": 0.5, "stop": ["\n\n", "###"]},
            ),
            message=f"version {n}",
            author="alice",
            created_at="2025-01-02T03:04:05Z",
        )
        for n, text in enumerate(texts, start=1)
    )
    return PromptDocument("tricky", versions, "A prompt: with colons", {"production": 1})


def test_export_then_load_gives_back_exactly_the_same_versions() -> None:
    document = _document(*TRICKY_TEXTS)

    loaded = load_prompt_document(dump_prompt_document(document), source="x.yaml")

    assert loaded.name == "tricky"
    assert loaded.description == "A prompt: with colons"
    assert dict(loaded.labels) == {"production": 1}
    for original, back in zip(document.versions, loaded.versions, strict=True):
        assert back.content == original.content
        assert (back.message, back.author, back.created_at) == (
            original.message,
            original.author,
            original.created_at,
        )


def test_completion_template_round_trips() -> None:
    record = VersionRecord(1, make_content(template="Q: {{ q }}\nA:"), "m", "bob", None)
    document = PromptDocument("story", (record,))

    (loaded,) = load_prompt_document(dump_prompt_document(document)).versions

    assert loaded.content == record.content
    assert loaded.created_at is None


def test_multi_line_text_is_written_as_a_readable_block() -> None:
    text = dump_prompt_document(_document("first line\nsecond line"))

    assert "content: |-\n          first line\n          second line\n" in text


def test_exported_hash_is_checked_on_load() -> None:
    text = dump_prompt_document(_document("Be kind."))
    tampered = text.replace("Be kind.", "Be rude.")

    with pytest.raises(PromptFileError, match=r"x.yaml:\d+: versions\[0\].content_hash: does not"):
        load_prompt_document(tampered, source="x.yaml")


def test_hand_written_file_needs_only_name_and_content() -> None:
    text = textwrap.dedent(
        """\
        name: greet
        versions:
          - messages:
              - {role: user, content: "Hi {{ name }}"}
          - template: "Hello"
            created_at: 2025-03-01T10:00:00Z
        """
    )

    document = load_prompt_document(text)

    assert [v.version for v in document.versions] == [1, 2]
    assert document.versions[0].author is None
    assert document.versions[1].created_at == "2025-03-01T10:00:00Z"


def _fails(text: str) -> PromptFileError:
    with pytest.raises(PromptFileError) as caught:
        load_prompt_document(textwrap.dedent(text), source="p.yaml")
    return caught.value


def test_bad_yaml_syntax_names_file_and_line() -> None:
    error = _fails(
        """\
        name: greet
        versions:
          - messages: [
        """
    )

    assert error.file == "p.yaml"
    assert error.line == 4
    assert "not valid YAML" in str(error)


def test_missing_required_field_is_named() -> None:
    error = _fails(
        """\
        name: greet
        description: no versions here
        """
    )

    assert (error.field, error.problem) == ("versions", "missing required field")


def test_missing_message_content_names_its_line_and_path() -> None:
    error = _fails(
        """\
        name: greet
        versions:
          - messages:
              - role: system
                content: Be brief.
              - role: user
        """
    )

    assert str(error) == "p.yaml:6: versions[0].messages[1].content: missing required field"


def test_wrong_type_names_the_field_and_what_was_found() -> None:
    error = _fails(
        """\
        name: greet
        versions:
          - messages:
              - role: user
                content: yes
        """
    )

    assert error.line == 5
    assert error.field == "versions[0].messages[0].content"
    assert "expected text, got bool 'yes' (put the text in quotes)" in error.problem


def test_wrong_param_type_names_the_parameter_and_line() -> None:
    error = _fails(
        """\
        name: greet
        versions:
          - template: Hi
            params:
              max_tokens: 64
              temperature: hot
        """
    )

    assert error.line == 6
    assert "versions[0].params.temperature: expected a number, got 'hot'" in str(error)


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("name: greet\nversions: {a: 1}\n", 2, "versions: expected a list, got a mapping"),
        ("name: greet\nversion: []\n", 2, "version: unknown field"),
        ("name: greet\nname: again\nversions: []\n", 2, "duplicate key 'name'"),
        ("name: 'has space'\nversions: [{template: x}]\n", 1, "Invalid prompt name"),
        ("name: g\nversions: []\n", 2, "at least one version"),
        ("name: g\nversions: [{template: x, version: 2}]\n", 2, "expected 1, got 2"),
        ("name: g\nversions: [{template: x, messages: []}]\n", 2, "exactly one"),
        ("name: g\nversions: [{messages: [{role: bot, content: x}]}]\n", 2, "role must be"),
        ("name: g\nversions: [{template: x}]\nlabels: {prod: 4}\n", 3, "not in this file"),
        ("name: g\nversions: [{template: x}]\nlabels: {'3': 1}\n", 3, "Invalid label"),
        ("name: g\nversions: [{template: x, created_at: soon}]\n", 2, "ISO 8601"),
        ("format: other/9\nname: g\nversions: [{template: x}]\n", 1, "unsupported format"),
        ("name: g\nversions: [{template: 'Hi {{ x }'}]\n", 2, "line 1, column 9"),
        ("name: &n g\nversions: [{template: *n}]\n", 2, "aliases"),
        ("- just\n- a list\n", 1, "expected a mapping"),
    ],
)
def test_malformed_files_are_refused_with_line_and_reason(
    body: str, line: int, fragment: str
) -> None:
    error = _fails(body)

    assert error.line == line
    assert fragment in str(error)
    assert str(error).startswith(f"p.yaml:{line}:")


def test_template_error_in_a_block_names_the_yaml_line_and_template_position() -> None:
    error = _fails(
        """\
        name: g
        versions:
          - messages:
              - role: user
                content: |
                  fine line
                  broken {{ x | }}
        """
    )

    assert error.field == "versions[0].messages[0].content"
    assert error.line == 7  # the broken line itself, inside the block
    assert "template error at line 2, column 15" in error.problem


def test_empty_file_is_refused() -> None:
    with pytest.raises(PromptFileError, match="the file is empty"):
        load_prompt_document("", source="empty.yaml")


def test_content_file_gives_content_and_commit_message() -> None:
    loaded = load_content_file(
        "message: steadier\nmessages:\n  - {role: user, content: '{{ q }}'}\n"
        "params: {temperature: 0.2}\n"
    )

    assert loaded.message == "steadier"
    assert loaded.content.params == {"temperature": 0.2}
    assert loaded.content.messages[0].content == "{{ q }}"


def test_content_file_that_is_really_an_export_points_to_import() -> None:
    text = dump_prompt_document(_document("x"))

    with pytest.raises(PromptFileError, match="prompts import"):
        load_content_file(text, source="export.yaml")


def test_reading_a_missing_or_binary_file_names_it(tmp_path: Path) -> None:
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")

    with pytest.raises(PromptFileError, match="no such file"):
        read_text_file(tmp_path / "missing.yaml")
    with pytest.raises(PromptFileError, match=r"bin.yaml: not UTF-8"):
        read_text_file(binary)
