"""Prompt management: immutable versions, templates, labels, diff, YAML import/export.

The functions below are the whole public surface; the command line (``workbench prompts``) and
the desktop app call them with a :class:`~workbench.store.Store` and get frozen value objects
back. Nothing here imports Qt or llama.cpp.
"""

from workbench.prompts.content import chat_content, edit_content, make_content
from workbench.prompts.diff import (
    DiffLine,
    MessageDiff,
    ParamChange,
    PromptDiff,
    WordSpan,
    diff_contents,
    diff_versions,
)
from workbench.prompts.errors import (
    ImportConflictError,
    MissingVariableError,
    PromptError,
    PromptFileError,
    PromptTemplateError,
    TemplateRenderError,
    UnsafeTemplateError,
)
from workbench.prompts.hashing import content_hash
from workbench.prompts.model import (
    CommitResult,
    LabelMove,
    Prompt,
    PromptContent,
    PromptMessage,
    PromptVersion,
)
from workbench.prompts.params import PARAM_SPECS, parse_param_assignment, validate_params
from workbench.prompts.refs import PromptRef, parse_ref, validate_label_name
from workbench.prompts.service import (
    commit_version,
    create_prompt,
    get_prompt,
    get_version,
    label_history,
    list_prompts,
    move_label,
    previous_version,
    remove_label,
    render_version,
    version_history,
)
from workbench.prompts.templates import (
    RenderedPrompt,
    check_template,
    content_variables,
    find_variables,
    render_prompt,
)
from workbench.prompts.transfer import (
    ImportResult,
    export_prompt,
    import_prompt,
    import_prompt_file,
    import_prompt_text,
)
from workbench.prompts.unified import format_unified
from workbench.prompts.yaml_io import PromptDocument, load_content_file

__all__ = [
    "PARAM_SPECS",
    "CommitResult",
    "DiffLine",
    "ImportConflictError",
    "ImportResult",
    "LabelMove",
    "MessageDiff",
    "MissingVariableError",
    "ParamChange",
    "Prompt",
    "PromptContent",
    "PromptDiff",
    "PromptDocument",
    "PromptError",
    "PromptFileError",
    "PromptMessage",
    "PromptRef",
    "PromptTemplateError",
    "PromptVersion",
    "RenderedPrompt",
    "TemplateRenderError",
    "UnsafeTemplateError",
    "WordSpan",
    "chat_content",
    "check_template",
    "commit_version",
    "content_hash",
    "content_variables",
    "create_prompt",
    "diff_contents",
    "diff_versions",
    "edit_content",
    "export_prompt",
    "find_variables",
    "format_unified",
    "get_prompt",
    "get_version",
    "import_prompt",
    "import_prompt_file",
    "import_prompt_text",
    "label_history",
    "list_prompts",
    "load_content_file",
    "make_content",
    "move_label",
    "parse_param_assignment",
    "parse_ref",
    "previous_version",
    "remove_label",
    "render_prompt",
    "render_version",
    "validate_label_name",
    "validate_params",
    "version_history",
]
