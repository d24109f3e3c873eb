"""``workbench prompts`` driven through click's CliRunner against a real store in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

import pytest
from click.testing import CliRunner, Result

from workbench import bootstrap
from workbench.cli.main import cli
from workbench.cli.prompts_cmd import prompts


@pytest.fixture(autouse=True)
def _fast_first_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """First start still imports the example prompt, but skips hashing the default model."""
    monkeypatch.setattr(bootstrap, "default_model_path", lambda: None)
    monkeypatch.setenv("WORKBENCH_ACTOR", "carol")


class Run(Protocol):
    """Runs ``workbench --home HOME ARGS`` (HOME defaults to tmp_path/home)."""

    def __call__(self, *args: str, input: str | None = None, home: Path | None = None) -> Result:
        """Invoke the command line; ``input`` feeds standard input."""
        ...


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """Run ``workbench --home tmp_path/home ARGS``; ``input`` feeds standard input."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, home: Path | None = None) -> Result:
        chosen = home or tmp_path / "home"
        return runner.invoke(cli, ["--home", str(chosen), *args], input=input)

    return invoke


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_prompts_command_has_help_text(run: Run) -> None:
    assert prompts.help
    for name, command in prompts.commands.items():
        assert command.help, f"prompts {name} has no help text"
        assert "Usage:" in _ok(run("prompts", name, "-h"))


def test_first_start_offers_the_example_prompt(run: Run) -> None:
    listing = _ok(run("prompts", "list"))

    assert "support-reply" in listing
    assert "production=2" in listing


def test_new_commit_log_show_session(run: Run) -> None:
    created = _ok(
        run("prompts", "new", "greet", "--system", "Be brief.", "--user", "Hi {{ name }}")
    )
    committed = _ok(
        run("prompts", "commit", "greet", "--set-param", "temperature=0.2", "-m", "Steadier")
    )
    unchanged = _ok(run("prompts", "commit", "greet", "--set-param", "temperature=0.2"))
    log = _ok(run("prompts", "log", "greet"))
    shown = json.loads(_ok(run("prompts", "show", "greet@2", "--json")))

    assert created.startswith("Created greet@1")
    assert "variables: name" in created
    assert committed.startswith("Created greet@2")
    assert unchanged == "No change: identical to greet@2; no version created.\n"
    assert log.index("Steadier") < log.index("Initial version")  # newest first
    assert shown["version"] == 2
    assert shown["author"] == "carol"
    assert shown["params"] == {"temperature": 0.2}
    assert shown["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi {{ name }}"},
    ]


def test_commit_edits_parts_of_the_latest_version(run: Run) -> None:
    _ok(run("prompts", "new", "greet", "--system", "Old.", "--user", "Hi", "--set-param", "seed=1"))

    _ok(run("prompts", "commit", "greet", "--system", "New.", "--unset-param", "seed"))
    shown = json.loads(_ok(run("prompts", "show", "greet", "--json")))

    assert shown["messages"][0] == {"role": "system", "content": "New."}
    assert shown["messages"][1] == {"role": "user", "content": "Hi"}
    assert shown["params"] == {}


def test_commit_with_nothing_to_change_is_a_usage_error(run: Run) -> None:
    _ok(run("prompts", "new", "greet", "--user", "Hi"))

    result = run("prompts", "commit", "greet")

    assert result.exit_code == 2
    assert "Nothing to commit" in result.output


def test_new_and_commit_from_files(run: Run, tmp_path: Path) -> None:
    yaml_file = tmp_path / "greet.yaml"
    yaml_file.write_text(
        "message: From my editor\n"
        "messages:\n"
        "  - {role: system, content: Be brief.}\n"
        "  - {role: user, content: 'Hello {{ name }}'}\n"
        "params: {max_tokens: 64}\n",
        encoding="utf-8",
    )
    text_file = tmp_path / "user.txt"
    text_file.write_text("Bonjour {{ name }} 🙂\n", encoding="utf-8")

    _ok(run("prompts", "new", "greet", "--file", str(yaml_file)))
    _ok(run("prompts", "commit", "greet", "--file", str(text_file), "-m", "French"))
    _ok(run("prompts", "commit", "greet", "--file", "-", "-m", "stdin", input="Hallo {{ name }}"))
    history = json.loads(_ok(run("prompts", "log", "greet", "--json")))

    assert [v["message"] for v in history] == ["stdin", "French", "From my editor"]
    assert history[1]["messages"][1]["content"] == "Bonjour {{ name }} 🙂\n"
    assert history[0]["messages"][0] == {"role": "system", "content": "Be brief."}
    assert history[0]["params"] == {"max_tokens": 64}


def test_new_completion_prompt_from_template(run: Run) -> None:
    _ok(run("prompts", "new", "story", "--template", "Once, {{ hero }}"))

    assert _ok(run("prompts", "render", "story", "--var", "hero=Ada")) == "\nOnce, Ada\n"


def test_template_syntax_error_is_refused_with_line_and_column(run: Run) -> None:
    result = run("prompts", "new", "greet", "--user", "Hi {{ name }")

    assert result.exit_code == 1
    assert "message 1 (user) at line 1, column 12: unexpected '}'" in result.output
    assert "greet" not in _ok(run("prompts", "list"))


def test_render_fills_variables_and_names_missing_ones(run: Run) -> None:
    rendered = _ok(
        run(
            "prompts",
            "render",
            "support-reply@3",
            "--var",
            "customer_name=Ana",
            "--var",
            "message=My lamp = broken",
        )
    )
    missing = run("prompts", "render", "support-reply@3", "--var", "message=x")
    unused = run(
        "prompts", "render", "support-reply@1", "--var", "message=x", "--var", "extra=1", "--json"
    )

    assert "[user]\nCustomer Ana asks: My lamp = broken\n" in rendered
    assert missing.exit_code == 1
    assert "Missing variable for prompt support-reply@3: customer_name" in missing.output
    assert "warning: unused variables: extra" in unused.stderr
    assert json.loads(unused.stdout)["messages"][1]["content"] == "x"


def test_labels_move_and_keep_their_history(run: Run) -> None:
    moved = _ok(run("prompts", "label", "support-reply", "3", "production"))
    again = _ok(run("prompts", "label", "support-reply", "latest", "production"))
    promoted = _ok(run("prompts", "label", "support-reply", "production", "stable"))
    _ok(run("prompts", "unlabel", "support-reply", "candidate"))
    labels = json.loads(_ok(run("prompts", "labels", "support-reply", "--json")))

    assert moved == "production: version 2 -> support-reply@3\n"
    assert "already points at support-reply@3" in again
    assert promoted == "stable: nothing -> support-reply@3\n"
    assert labels["labels"] == {"production": 3, "stable": 3}
    moves = [(m["label"], m["from_version"], m["to_version"]) for m in labels["history"]]
    assert moves[-3:] == [("production", 2, 3), ("stable", None, 3), ("candidate", 3, None)]
    assert labels["history"][-1]["actor"] == "carol"


def test_numeric_label_is_refused(run: Run) -> None:
    result = run("prompts", "label", "support-reply", "1", "2")

    assert result.exit_code == 1
    assert "starting with a letter" in result.output


def test_diff_prints_a_plain_unified_diff_when_piped(run: Run) -> None:
    text = _ok(run("prompts", "diff", "support-reply", "1", "production"))

    assert "\x1b[" not in text
    assert text.startswith("--- support-reply@1\n+++ support-reply@2\n")
    assert "-You are a support agent for a lamp shop. Answer in two short sentences." in text
    assert "+You are a friendly support agent for Lumen Lamps" in text


def test_diff_colour_can_be_forced(run: Run) -> None:
    text = _ok(run("prompts", "diff", "support-reply@3", "--color"))

    assert "\x1b[31m-" in text
    assert "\x1b[32m+Greet the customer by name.\x1b[0m" in text
    assert "\x1b[32m+\x1b[7mCustomer {{ customer_name }} asks: \x1b[27m{{ message }}\x1b[0m" in text


def test_diff_json_gives_the_structured_diff(run: Run) -> None:
    data = json.loads(_ok(run("prompts", "diff", "support-reply", "2", "3", "--json")))

    assert data["old"]["ref"] == "support-reply@2"
    assert data["variables"] == {"added": ["customer_name"], "removed": []}
    assert data["params"] == [
        {"name": "repeat_penalty", "status": "added", "old": None, "new": 1.15},
        {"name": "temperature", "status": "changed", "old": 0.7, "new": 0.3},
    ]
    assert [m["status"] for m in data["messages"]] == ["changed", "changed"]


def test_diff_between_two_prompts_and_exit_code(run: Run) -> None:
    _ok(run("prompts", "new", "other", "--user", "{{ message }}"))

    result = run("prompts", "diff", "support-reply@1", "other", "--exit-code")
    same = run("prompts", "diff", "support-reply", "3", "latest", "--exit-code")

    assert result.exit_code == 1
    assert "=== message 1 (system): removed" in result.stdout
    assert same.exit_code == 0
    assert "no differences" in same.stdout


def test_diff_of_the_first_version_alone_is_a_usage_error(run: Run) -> None:
    result = run("prompts", "diff", "support-reply@1")

    assert result.exit_code == 2
    assert "first version" in result.output


def test_export_and_import_into_another_home(run: Run, tmp_path: Path) -> None:
    _ok(run("prompts", "new", "greet", "--user", "Hi {{ name }}"))
    _ok(run("prompts", "commit", "greet", "--user", "Hello {{ name }}"))
    _ok(run("prompts", "label", "greet", "1", "production"))
    exported = tmp_path / "greet.yaml"
    _ok(run("prompts", "export", "greet", "-o", str(exported)))
    other = tmp_path / "other"

    first = _ok(run("prompts", "import", str(exported), home=other))
    second = json.loads(_ok(run("prompts", "import", str(exported), "--json", home=other)))
    history = json.loads(_ok(run("prompts", "log", "greet", "--json", home=other)))

    assert first == "greet: created; added version(s) 1, 2; labels set: production\n"
    assert second == [
        {
            "prompt": "greet",
            "created_prompt": False,
            "added": [],
            "unchanged": [1, 2],
            "labels_set": [],
            "labels_kept": [],
        }
    ]
    assert [v["author"] for v in history] == ["carol", "carol"]
    assert _ok(run("prompts", "export", "greet", home=other)) == exported.read_text("utf-8")


def test_import_conflict_is_refused_unless_renumbered(run: Run, tmp_path: Path) -> None:
    # Both homes start with the example's versions 1-3, then each makes its own version 4.
    other = tmp_path / "other"
    _ok(run("prompts", "commit", "support-reply", "--user", "{{ message }} (here)"))
    _ok(run("prompts", "commit", "support-reply", "--user", "{{ message }} (there)", home=other))
    exported = tmp_path / "support.yaml"
    _ok(run("prompts", "export", "support-reply", "-o", str(exported)))

    refused = run("prompts", "import", str(exported), home=other)
    renumbered = _ok(run("prompts", "import", str(exported), "--renumber", home=other))
    shown = json.loads(_ok(run("prompts", "show", "support-reply@5", "--json", home=other)))

    assert refused.exit_code == 1
    assert "version 4: file " in refused.output
    assert "Nothing was imported" in refused.output
    assert renumbered == "support-reply: updated; added version(s) 5 (file 4); 3 already present\n"
    assert shown["messages"][1]["content"] == "{{ message }} (here)"


def test_malformed_import_names_file_line_and_field(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nversions:\n  - messages:\n      - role: robot\n", encoding="utf-8")

    result = run("prompts", "import", str(bad))

    assert result.exit_code == 1
    assert f"{bad}:4: versions[0].messages[0].role: role must be" in result.output


def test_unknown_prompt_is_a_clean_error(run: Run) -> None:
    result = run("prompts", "show", "nope@2")

    assert result.exit_code == 1
    assert result.output.startswith("Error: No prompt named 'nope' (prompts: support-reply)")


def test_no_color_writes_no_escape_codes(run: Run) -> None:
    text = _ok(run("prompts", "diff", "support-reply", "1", "2", "--no-color"))

    assert "\x1b[" not in text
    assert "+You are a friendly support agent" in text
