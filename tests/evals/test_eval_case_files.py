"""Cases from CSV, JSONL and YAML files; bad rows are refused with file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.evals.case_files import load_case_file
from workbench.evals.errors import SuiteFileError


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_csv_columns_are_variables_and_expected_becomes_equals(tmp_path: Path) -> None:
    text = "question,language,__expected,__description\nWhat is 2+2?,en,4,sums\n"
    text += '"Say ""hi"" ",fr,"contains: salut",greeting\n'
    path = write(tmp_path, "cases.csv", text)

    (first, _), (second, _) = load_case_file(path)

    assert dict(first.vars) == {"question": "What is 2+2?", "language": "en"}
    assert first.assertions[0].type == "equals"
    assert first.assertions[0].value == "4"
    assert first.description == "sums"
    assert dict(second.vars)["question"] == 'Say "hi" '
    assert second.assertions[0].type == "contains"
    assert second.assertions[0].value == "salut"


def test_csv_expected_shorthands_follow_promptfoo(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases.csv",
        """\
        q,__expected1,__expected2,__expected3,__tags,__threshold,__metric
        a,not-icontains: sorry,similar(0.6): hello there,grade: Is polite,"smoke, fast",0.5,tone
        b,is-json,Note: plain text,refusal,,,
        """,
    )

    (first, _), (second, _) = load_case_file(path)

    types = [(a.name, a.value, a.threshold, a.metric) for a in first.assertions]
    assert types == [
        ("not-icontains", "sorry", None, "tone"),
        ("similar", ["hello there"], 0.6, "tone"),
        ("llm-rubric", "Is polite", None, "tone"),
    ]
    assert first.tags == ("smoke", "fast")
    assert first.threshold == 0.5
    assert [a.name for a in second.assertions] == ["is-json", "equals", "refusal"]
    assert second.assertions[1].value == "Note: plain text"


def test_csv_row_with_wrong_field_count_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.csv", "q,a\n1,2\n\n3,4,5\n")

    with pytest.raises(SuiteFileError) as caught:
        load_case_file(path)

    assert caught.value.line == 4
    assert str(caught.value).startswith(f"{path}:4:")
    assert "expected 2 fields" in str(caught.value)


def test_csv_multiline_fields_keep_line_numbers_of_later_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "cases.csv", 'q,__expected\n"two\nlines",x\nok,"regex: ("\n')

    with pytest.raises(SuiteFileError) as caught:
        load_case_file(path)

    assert caught.value.line == 4
    assert "regular expression" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("q,__weird\n1,2\n", "__weird", "unknown special column"),
        ("q,q\n1,2\n", "q", "appears twice"),
        ("q,my var\n1,2\n", "my var", "a variable name"),
        ("q,__expected\n1,javascript: output.length > 3\n", "__expected", "run code"),
    ],
)
def test_csv_bad_headers_and_cells_are_refused(
    tmp_path: Path, text: str, field: str, problem: str
) -> None:
    with pytest.raises(SuiteFileError) as caught:
        load_case_file(write(tmp_path, "cases.csv", text))
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_jsonl_reads_case_objects_and_flat_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases.jsonl",
        """\
        {"vars": {"q": "hi"}, "assert": [{"type": "icontains", "value": "hello"}]}

        {"q": "bye", "__expected": "Goodbye"}
        """,
    )

    (first, _), (second, second_node) = load_case_file(path)

    assert first.assertions[0].type == "icontains"
    assert dict(second.vars) == {"q": "bye"}
    assert second.assertions[0].value == "Goodbye"
    assert second_node.line == 3


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ('{"vars": {"q": 1}}\n{"vars": \n', 2, "not valid JSON"),
        ('{"vars": {"q": 1}}\n[1, 2]\n', 2, "expected a JSON object"),
        ('{"vars": {"q": 1}, "assert": [{"type": "nope"}]}\n', 1, "unknown assertion type"),
        ('{"vars": {"q": 1}, "asserts": []}\n', 1, "unknown field"),
    ],
)
def test_jsonl_bad_lines_name_their_line(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    with pytest.raises(SuiteFileError) as caught:
        load_case_file(write(tmp_path, "cases.jsonl", text))
    assert caught.value.line == line
    assert problem in caught.value.problem


def test_yaml_case_file_errors_name_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases.yaml",
        """\
        - vars: {q: one}
          assert:
            - type: contains
              value: one
        - vars: {q: two}
          assert:
            - type: length
              value: {min: 3, max: 1}
        """,
    )

    with pytest.raises(SuiteFileError) as caught:
        load_case_file(path)

    assert caught.value.line == 8
    assert caught.value.field == "[1].assert[0].value"
    assert "larger than max" in caught.value.problem


def test_unknown_file_kinds_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SuiteFileError, match="cases come from"):
        load_case_file(write(tmp_path, "cases.txt", "x"))
    with pytest.raises(SuiteFileError, match="no such file"):
        load_case_file(tmp_path / "absent.csv")
