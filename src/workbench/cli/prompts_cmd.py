"""``workbench prompts``: prompt versions, labels, diff, render, export and import.

A thin layer over :mod:`workbench.prompts`: parse options, call one function, print the result
(``--json`` prints the same data the desktop app gets).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from workbench.cli.context import CliContext, echo_json, pass_context
from workbench.cli.formatting import format_table
from workbench.evals import RunEvidence, version_evidence
from workbench.prompts import (
    ImportResult,
    PromptContent,
    PromptMessage,
    PromptVersion,
    chat_content,
    commit_version,
    create_prompt,
    diff_versions,
    edit_content,
    export_prompt,
    format_unified,
    get_prompt,
    get_version,
    import_prompt_file,
    label_history,
    list_prompts,
    load_content_file,
    make_content,
    move_label,
    parse_param_assignment,
    previous_version,
    remove_label,
    render_version,
    version_history,
)
from workbench.prompts.params import PARAM_SPECS, ParamValue, param_to_json
from workbench.prompts.yaml_io import read_text_file

_YAML_SUFFIXES = (".yaml", ".yml")
_PARAM_HELP = ", ".join(PARAM_SPECS)


@click.group()
def prompts() -> None:
    """Write prompt versions, label them, diff them, render them, export and import them.

    A prompt is a name with immutable versions 1, 2, 3, ... Refer to a version as NAME (the
    latest), NAME@3, or NAME@LABEL (e.g. support-reply@production).
    """


def _content_options(fn: click.decorators.FC) -> click.decorators.FC:
    """The options that say what a version contains (shared by ``new`` and ``commit``)."""
    options = [
        click.option(
            "--file",
            "-f",
            "file",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            help="Content from a file: YAML (.yaml/.yml) with messages or template and params, "
            "or plain text ('-' reads standard input) for the user message, or the template of "
            "a completion prompt.",
        ),
        click.option("--system", help="The system message ('' removes it)."),
        click.option("--user", help="The user message (replaces the last one)."),
        click.option("--template", help="The template of a completion (non-chat) prompt."),
        click.option(
            "--set-param",
            "set_params",
            multiple=True,
            metavar="NAME=VALUE",
            help=f"Set a default sampling parameter; repeatable. Names: {_PARAM_HELP}. "
            "stop takes one sequence (\\n for a newline) or a JSON list.",
        ),
        click.option("-m", "--message", help="The commit message: why this version exists."),
        click.option("--json", "as_json", is_flag=True, help="Print the new version as JSON."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@prompts.command("new")
@click.argument("name")
@_content_options
@click.option("--description", default=None, help="What the prompt is for.")
@click.option(
    "--completion", is_flag=True, help="Treat a plain-text --file as a completion template."
)
@pass_context
def new_cmd(
    state: CliContext,
    name: str,
    file: Path | None,
    system: str | None,
    user: str | None,
    template: str | None,
    set_params: tuple[str, ...],
    message: str | None,
    as_json: bool,
    description: str | None,
    completion: bool,
) -> None:
    """Create prompt NAME with its version 1.

    \b
    Examples:
      workbench prompts new greet --system "Be brief." --user "Say hello to {{ name }}."
      workbench prompts new story --template "Once upon a time, {{ hero }}" \\
          --set-param temperature=0.8
      workbench prompts new support --file support.yaml -m "First draft"
    """
    base: PromptContent | None = None
    if file is not None:
        loaded = _read_content_file(file, completion=completion)
        base, message = loaded[0], message or loaded[1]
        description = description if description is not None else loaded[2]
    params = dict(_parse_params(set_params))
    if base is None:
        if template is not None:
            base = make_content(template=template, params=params)
        else:
            base = chat_content(system=system, user=user, params=params)
    else:
        base = edit_content(base, system=system, user=user, template=template, set_params=params)
    version = create_prompt(
        state.store,
        name,
        base,
        message=message or "Initial version",
        description=description or "",
    )
    if as_json:
        echo_json(version.to_dict())
        return
    click.echo(f"Created {version.ref} (content hash {version.content_hash[:12]})")
    _echo_variables(version)


@prompts.command("commit")
@click.argument("name")
@_content_options
@click.option(
    "--unset-param",
    "unset_params",
    multiple=True,
    metavar="NAME",
    help="Remove a default parameter (back to the engine's default); repeatable.",
)
@pass_context
def commit_cmd(
    state: CliContext,
    name: str,
    file: Path | None,
    system: str | None,
    user: str | None,
    template: str | None,
    set_params: tuple[str, ...],
    message: str | None,
    as_json: bool,
    unset_params: tuple[str, ...],
) -> None:
    """Save a new version of NAME: the latest version with the changes given.

    A YAML --file replaces the whole content; a text --file replaces the user message (or a
    completion's template); --system, --user, --template and --set-param/--unset-param change
    just that part. Saving content identical to the latest version creates nothing.

    \b
    Examples:
      workbench prompts commit support --set-param temperature=0.2 -m "Steadier"
      workbench prompts commit support --system "You are terse." -m "Shorter replies"
      workbench prompts commit support --file support.yaml -m "Edited in my editor"
    """
    texts = (file, system, user, template)
    if all(item is None for item in texts) and not (set_params or unset_params):
        raise click.UsageError(
            "Nothing to commit: give --file, --system, --user, --template, --set-param or "
            "--unset-param."
        )
    latest = get_version(state.store, name)
    base = latest.content
    if file is not None:
        if file.suffix.lower() in _YAML_SUFFIXES:
            loaded = _read_content_file(file, completion=False)
            base, message = loaded[0], message or loaded[1]
        else:
            text = _read_text(file)
            if base.kind == "completion":
                template = _only_one(template, text, "--template")
            else:
                user = _only_one(user, text, "--user")
    content = edit_content(
        base,
        system=system,
        user=user,
        template=template,
        set_params=dict(_parse_params(set_params)),
        unset_params=unset_params,
    )
    result = commit_version(state.store, name, content, message=message or "")
    if as_json:
        echo_json({"created": result.created, **result.version.to_dict()})
        return
    if not result.created:
        click.echo(f"No change: identical to {result.version.ref}; no version created.")
        return
    click.echo(f"Created {result.version.ref} (content hash {result.version.content_hash[:12]})")
    _echo_variables(result.version)


@prompts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def list_cmd(state: CliContext, as_json: bool) -> None:
    """List prompts with their latest version and labels."""
    found = list_prompts(state.store)
    if as_json:
        echo_json([p.to_dict() for p in found])
        return
    if not found:
        click.echo("No prompts yet. Create one with: workbench prompts new NAME --user TEXT")
        return
    rows = [
        (
            p.name,
            p.latest_version,
            ", ".join(f"{label}={v}" for label, v in p.labels.items()),
            p.updated_at[:19].replace("T", " "),
            _shorten(p.description, 50),
        )
        for p in found
    ]
    click.echo(format_table(("NAME", "LATEST", "LABELS", "UPDATED (UTC)", "DESCRIPTION"), rows))


@prompts.command("log")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def log_cmd(state: CliContext, name: str, as_json: bool) -> None:
    """Show the versions of NAME, newest first."""
    history = version_history(state.store, name)
    if as_json:
        echo_json([v.to_dict() for v in reversed(history)])
        return
    prompt = get_prompt(state.store, name)
    for version in reversed(history):
        labels = prompt.labels_of(version.version)
        tags = f"  ({', '.join(labels)})" if labels else ""
        click.echo(
            f"{version.version:>3}  {version.content_hash[:12]}  {version.created_at[:19]}  "
            f"{version.author}{tags}"
        )
        click.echo(f"     {version.message or '(no message)'}")


@prompts.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def show_cmd(state: CliContext, ref: str, as_json: bool) -> None:
    """Show one version: REF is NAME, NAME@VERSION or NAME@LABEL."""
    version = get_version(state.store, ref)
    labels = get_prompt(state.store, version.prompt_name).labels_of(version.version)
    if as_json:
        echo_json({**version.to_dict(), "labels": list(labels)})
        return
    click.echo(version.ref + (f"  ({', '.join(labels)})" if labels else ""))
    click.echo(f"kind:      {version.kind}")
    click.echo(f"hash:      {version.content_hash}")
    click.echo(f"author:    {version.author}, {version.created_at}")
    click.echo(f"message:   {version.message or '(no message)'}")
    click.echo(f"variables: {', '.join(version.variables) or '(none)'}")
    params = ", ".join(
        f"{k}={json.dumps(param_to_json(v), ensure_ascii=False)}"
        for k, v in version.content.params.items()
    )
    click.echo(f"params:    {params or '(engine defaults)'}")
    _echo_content(version.content.template, version.content.messages)


@prompts.command("render")
@click.argument("ref")
@click.option(
    "--var", "variables", multiple=True, metavar="NAME=VALUE", help="A variable; repeatable."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def render_cmd(state: CliContext, ref: str, variables: tuple[str, ...], as_json: bool) -> None:
    """Fill the variables of version REF and print what a model would be given."""
    values: dict[str, object] = {}
    for item in variables:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--var")
        values[key.strip()] = value
    rendered = render_version(state.store, ref, values)
    if rendered.unused_variables:
        click.echo(f"warning: unused variables: {', '.join(rendered.unused_variables)}", err=True)
    if as_json:
        echo_json({"ref": ref, **rendered.to_dict()})
        return
    _echo_content(rendered.text, rendered.messages)


@prompts.command("label")
@click.argument("name")
@click.argument("version")
@click.argument("label")
@click.option("--json", "as_json", is_flag=True, help="Print the move as JSON.")
@pass_context
def label_cmd(state: CliContext, name: str, version: str, label: str, as_json: bool) -> None:
    """Point LABEL of prompt NAME at VERSION (a number, another label, or 'latest').

    Labels start with a letter (so NAME@3 always means version 3); 'latest' is reserved.
    Every move is kept: see 'workbench prompts labels NAME'.

    \b
    Example: workbench prompts label support-reply candidate production
    """
    target = get_version(state.store, f"{name}@{version}")
    move = move_label(state.store, name, label, target.version)
    if as_json:
        echo_json(move.to_dict() if move else None)
    elif move is None:
        click.echo(f"{label} already points at {target.ref}; nothing changed.")
    else:
        was = f"version {move.from_version}" if move.from_version else "nothing"
        click.echo(f"{label}: {was} -> {target.ref}")


@prompts.command("unlabel")
@click.argument("name")
@click.argument("label")
@pass_context
def unlabel_cmd(state: CliContext, name: str, label: str) -> None:
    """Remove LABEL from prompt NAME (the removal is kept in the label's history)."""
    move = remove_label(state.store, name, label)
    click.echo(f"Removed {label} (it pointed at version {move.from_version}).")


@prompts.command("labels")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def labels_cmd(state: CliContext, name: str, as_json: bool) -> None:
    """Show where the labels of NAME point, and every move they made."""
    prompt = get_prompt(state.store, name)
    moves = label_history(state.store, name)
    if as_json:
        echo_json({"labels": dict(prompt.labels), "history": [m.to_dict() for m in moves]})
        return
    for label, version in prompt.labels.items():
        click.echo(f"{label} -> {version}")
    if moves:
        click.echo("\nhistory (oldest first):")
        rows = [
            (m.time[:19], m.actor, m.label, _or_dash(m.from_version), _or_dash(m.to_version))
            for m in moves
        ]
        click.echo(format_table(("TIME (UTC)", "BY", "LABEL", "FROM", "TO"), rows))


@prompts.command("diff")
@click.argument("refs", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the structured diff as JSON.")
@click.option(
    "--color/--no-color", default=None, help="Colour the output (default: on a terminal only)."
)
@click.option("-U", "--context", "context", default=3, show_default=True, help="Context lines.")
@click.option("--exit-code", is_flag=True, help="Exit with 1 when the versions differ.")
@click.option(
    "--evals",
    "with_evals",
    is_flag=True,
    help="Also show what stored evaluation runs with both versions as columns say.",
)
@pass_context
def diff_cmd(
    state: CliContext,
    refs: tuple[str, ...],
    as_json: bool,
    color: bool | None,
    context: int,
    exit_code: bool,
    with_evals: bool,
) -> None:
    """Compare two versions: messages line by line, variables and parameters.

    \b
    workbench prompts diff NAME A B     versions A and B of NAME (numbers or labels)
    workbench prompts diff REF1 REF2    any two versions, also of two prompts
    workbench prompts diff REF          REF against the version before it

    With --evals, the evaluation runs that had both versions as columns follow the diff:
    pass rates of A and B on the cases both have, and whether B is better (McNemar's test).
    """
    old, new = _diff_sides(state, refs)
    diff = diff_versions(old, new)
    evidence = version_evidence(state.store, diff.old_hash, diff.new_hash) if with_evals else ()
    if as_json:
        data = diff.to_dict()
        if with_evals:
            data["evals"] = [found.to_dict() for found in evidence]
        echo_json(data)
    else:
        # Colour is written always unless refused; click strips it when not on a terminal.
        text = format_unified(diff, color=color is not False, context=context)
        click.echo(text, nl=False, color=color)
        if with_evals and not diff.identical:
            click.echo(_evidence_text(evidence, old.ref, new.ref))
    if exit_code and not diff.identical:
        click.get_current_context().exit(1)


@prompts.command("export")
@click.argument("name")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (default: standard output).",
)
@pass_context
def export_cmd(state: CliContext, name: str, output: Path | None) -> None:
    """Write prompt NAME with all its versions and labels as YAML (for git, or another
    workbench)."""
    text = export_prompt(state.store, name)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"Cannot write {output}: {exc}") from exc
    click.echo(f"Wrote {name} to {output}", err=True)


@prompts.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--renumber",
    is_flag=True,
    help="When the store already has a version number with different content, append the "
    "file's versions as new versions instead of refusing.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was imported as JSON.")
@pass_context
def import_cmd(state: CliContext, files: tuple[Path, ...], renumber: bool, as_json: bool) -> None:
    """Import prompt files written by 'prompts export'; history is never overwritten.

    Versions the store already has are skipped and new ones appended with their author, time
    and message. If the store has a version number with different content, nothing is
    imported unless --renumber is given. Labels are set only where the store has none yet.
    Each file is imported whole or not at all.
    """
    results = [import_prompt_file(state.store, path, renumber=renumber) for path in files]
    if as_json:
        echo_json([r.to_dict() for r in results])
        return
    for result in results:
        click.echo(_describe_import(result))


def _evidence_text(evidence: tuple[RunEvidence, ...], old_ref: str, new_ref: str) -> str:
    if not evidence:
        return (
            "\nNo evaluation run has both versions as columns: run one with "
            f"`workbench eval run SUITE --prompt {old_ref} --prompt {new_ref}`."
        )
    lines = [f"\nEvaluations (A = {old_ref}, B = {new_ref}):"]
    lines += [f"  {found.line}" for found in evidence]
    return "\n".join(lines)


def _diff_sides(state: CliContext, refs: tuple[str, ...]) -> tuple[PromptVersion, PromptVersion]:
    if len(refs) == 3:
        name, a, b = refs
        return get_version(state.store, f"{name}@{a}"), get_version(state.store, f"{name}@{b}")
    if len(refs) == 2:
        return get_version(state.store, refs[0]), get_version(state.store, refs[1])
    if len(refs) == 1:
        new = get_version(state.store, refs[0])
        old = previous_version(state.store, new)
        if old is None:
            raise click.UsageError(f"{new.ref} is the first version; name two versions to compare.")
        return old, new
    raise click.UsageError("Give NAME A B, two references, or one reference.")


def _read_content_file(path: Path, *, completion: bool) -> tuple[PromptContent, str, str | None]:
    """Content, commit message and description from a YAML or text file."""
    if path.suffix.lower() in _YAML_SUFFIXES:
        loaded = load_content_file(read_text_file(path), source=str(path))
        return loaded.content, loaded.message or "", loaded.description
    text = _read_text(path)
    if completion:
        return make_content(template=text), "", None
    return make_content(messages=[("user", text)]), "", None


def _read_text(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read()
    return read_text_file(path)


def _only_one(option_value: str | None, file_text: str, option: str) -> str:
    if option_value is not None:
        raise click.UsageError(f"Give the text either with --file or with {option}, not both.")
    return file_text


def _parse_params(items: tuple[str, ...]) -> list[tuple[str, ParamValue]]:
    return [parse_param_assignment(item) for item in items]


def _echo_variables(version: PromptVersion) -> None:
    if version.variables:
        click.echo(f"variables: {', '.join(version.variables)}")


def _echo_content(template: str | None, messages: tuple[PromptMessage, ...]) -> None:
    click.echo("")
    if template is not None:
        click.echo(template)
        return
    for message in messages:
        click.echo(f"[{message.role}]")
        click.echo(message.content)
        click.echo("")


def _describe_import(result: ImportResult) -> str:
    parts = [f"{result.prompt_name}: " + ("created" if result.created_prompt else "updated")]
    if result.added:
        added = ", ".join(str(s) if f == s else f"{s} (file {f})" for f, s in result.added)
        parts.append(f"added version(s) {added}")
    if result.unchanged:
        parts.append(f"{len(result.unchanged)} already present")
    if result.labels_set:
        parts.append(f"labels set: {', '.join(result.labels_set)}")
    if result.labels_kept:
        parts.append(f"labels left as they were: {', '.join(result.labels_kept)}")
    return "; ".join(parts)


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _or_dash(value: int | None) -> str:
    return "-" if value is None else str(value)
