"""Templates: variables found, syntax errors with line and column, the sandbox, rendering."""

from __future__ import annotations

import pytest

from workbench.prompts import (
    MissingVariableError,
    PromptTemplateError,
    TemplateRenderError,
    UnsafeTemplateError,
    chat_content,
    check_template,
    content_variables,
    find_variables,
    make_content,
    render_prompt,
)
from workbench.prompts.templates import render_template


def test_variables_are_found_in_order_of_first_use() -> None:
    source = "{{ b }} and {{ a }} then {{ b|upper }} {% if c %}{{ d.e }}{% endif %}"

    assert find_variables(source) == ("b", "a", "c", "d")


def test_names_the_template_defines_itself_are_not_variables() -> None:
    source = (
        "{% set greeting = 'hi' %}{{ greeting }} "
        "{% for item in items %}{{ item }} {{ loop.index }}{% endfor %} {{ range(3)|list }}"
    )

    assert find_variables(source) == ("items",)


def test_variables_of_all_messages_are_merged_without_repeats() -> None:
    content = chat_content(
        system="You help {{ user_name }}.", user="{{ question }} {{ user_name }}"
    )

    assert content_variables(content) == ("user_name", "question")


def test_unicode_variable_names_are_found() -> None:
    assert find_variables("Grüße {{ naïve }} {{ 名前 }}") == ("naïve", "名前")


@pytest.mark.parametrize(
    ("source", "line", "column", "problem"),
    [
        ("Hello {{ name }", 1, 15, "unexpected '}'"),
        ("Hi {{ x | }}", 1, 11, "expected token 'name'"),
        ("first line\nsecond {{ a b }}", 2, 13, "expected token 'end of print statement'"),
        ("ok\n\n  {% endif %}", 3, 6, "unknown tag 'endif'"),
        ("{% if x %}never closed", 1, 23, "Unexpected end of template"),
        ("a\nb {{ x|no_such_filter }}", 2, 8, "No filter named 'no_such_filter'"),
        ("{{ 'unterminated }}", 1, 4, "unexpected char"),
    ],
)
def test_syntax_errors_name_line_and_column(
    source: str, line: int, column: int, problem: str
) -> None:
    with pytest.raises(PromptTemplateError) as caught:
        check_template(source, where="message 1 (user)")

    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert problem in error.problem
    assert f"message 1 (user) at line {line}, column {column}" in str(error)


def test_including_other_templates_is_refused_at_save() -> None:
    with pytest.raises(PromptTemplateError, match=r"include %\}' is not allowed"):
        check_template("{% include 'other.txt' %}")


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ x['__class__'] }}",
        "{{ self._TemplateReference__context }}",
    ],
)
def test_private_attribute_access_is_refused_at_save(source: str) -> None:
    with pytest.raises(PromptTemplateError, match="not allowed: names starting with '_'"):
        check_template(source)


@pytest.mark.parametrize(
    ("source", "match"),
    [
        ("{{ x|attr('__class__') }}", "unsafe"),
        ("{{ items.append(1) }}", "unsafe"),
        ("{{ items.pop() }}", "unsafe"),
        ("{{ 'a' * 1000000000 }}", "repeating a value"),
        ("{{ [1, 2] * 100000000 }}", "repeating a value"),
        ("{{ 9 ** 999999999 }}", "exponent"),
        ("{{ '%0999999999d' % 1 }}", "format width"),
        ("{{ '{:>999999999}'.format(1) }}", "format width"),
        ("{{ '%999999999s'|format(1) }}", "format width"),
        ("{{ 'x'.center(1000000000) }}", "center"),
        ("{{ 'x'|indent(1000000000) }}", "indent"),
    ],
)
def test_sandbox_escapes_and_memory_bombs_fail_safely_at_render(source: str, match: str) -> None:
    check_template(source)  # these pass the save-time check; the sandbox stops them when run

    with pytest.raises(UnsafeTemplateError, match=match):
        render_template(source, {"x": "text", "items": [1, 2]})


def test_huge_ranges_are_refused() -> None:
    with pytest.raises(TemplateRenderError, match="MAX_RANGE"):
        render_template("{% for i in range(10**9) %}{% endfor %}", {})


def test_ordinary_formatting_still_works_in_the_sandbox() -> None:
    source = (
        "{{ name|upper }} {{ '%.2f'|format(price) }} {{ '{:>4}'.format(n) }} "
        "{{ 'ab' * 2 }} {{ 2 ** 10 }} {{ items|join(', ') }} {{ 'x'|center(5) }}|"
    )

    text = render_template(source, {"name": "ada", "price": 3.14159, "n": 7, "items": ["a", "b"]})

    assert text == "ADA 3.14    7 abab 1024 a, b   x  |"


def test_rendering_with_a_missing_variable_names_every_missing_one() -> None:
    content = chat_content(system="Help {{ customer }}.", user="{{ question }} ({{ order_id }})")

    with pytest.raises(MissingVariableError) as caught:
        render_prompt(content, {"question": "Where is it?"}, ref="support@2")

    assert caught.value.names == ("customer", "order_id")
    assert "support@2" in str(caught.value)
    assert "customer, order_id" in str(caught.value)


def test_variables_with_defaults_or_defined_guards_may_be_left_out() -> None:
    content = make_content(
        template="Hi {{ name|default('there') }}{% if title is defined %}, {{ title }}{% endif %}"
    )

    assert render_prompt(content, {}).text == "Hi there"
    assert render_prompt(content, {"name": "Ada", "title": "Dr"}).text == "Hi Ada, Dr"


def test_guarded_variable_used_unguarded_elsewhere_is_still_reported_missing() -> None:
    content = make_content(template="{{ x|default('') }} and {{ x }}")

    with pytest.raises(MissingVariableError, match="x"):
        render_prompt(content, {})


def test_render_reports_unused_variables() -> None:
    content = make_content(template="{{ a }}")

    rendered = render_prompt(content, {"a": "1", "zz": "2"})

    assert rendered.unused_variables == ("zz",)


def test_runtime_errors_in_template_code_become_render_errors() -> None:
    with pytest.raises(TemplateRenderError, match="TypeError"):
        render_template("{{ x + 1 }}", {"x": "text"}, where="message 1 (user)")
    with pytest.raises(TemplateRenderError, match="has no attribute 'missing'"):
        render_template("{{ x.missing }}", {"x": "text"})
    with pytest.raises(TemplateRenderError, match="RecursionError"):
        render_template("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", {})


def test_render_keeps_text_exactly_including_trailing_newline_and_unicode() -> None:
    content = chat_content(system="Système 🙂\n", user="{{ q }}\n\n")

    rendered = render_prompt(content, {"q": "¿Qué tal?"})

    assert [m.content for m in rendered.messages] == ["Système 🙂\n", "¿Qué tal?\n\n"]
    assert [m.role for m in rendered.messages] == ["system", "user"]


def test_values_are_not_html_escaped() -> None:
    assert render_template("{{ x }}", {"x": "<b>&</b>"}) == "<b>&</b>"


def test_rendered_prompt_becomes_an_engine_request_with_its_params() -> None:
    content = chat_content(user="{{ q }}", params={"temperature": 0.2, "stop": ["###"]})

    request = render_prompt(content, {"q": "hi"}).to_generation_request()

    assert [(m.role, m.content) for m in request.messages] == [("user", "hi")]
    assert request.prompt is None
    assert request.sampling.temperature == 0.2
    assert request.sampling.stop == ("###",)


def test_completion_render_becomes_a_raw_prompt_request() -> None:
    request = render_prompt(make_content(template="Q: {{ q }}\nA:"), {"q": "2+2"})

    assert request.text == "Q: 2+2\nA:"
    assert request.to_generation_request().prompt == "Q: 2+2\nA:"
