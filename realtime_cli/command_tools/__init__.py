"""Command tools: programs from the user's own config file that the model may run.

`arguments` (pure) turns a tool's declared parameters into the argument type whose JSON
Schema the model sees and by which its arguments are validated, and substitutes them into
argv elements; `process` runs the program (no shell, its own process group, stdout capped);
`specs` makes each one a `ToolSpec` of the session's existing tool machinery.
"""

from realtime_cli.command_tools.specs import (
    Ask,
    ToolQuestion,
    command_tool_spec,
    command_tool_specs,
)

__all__ = ["Ask", "ToolQuestion", "command_tool_spec", "command_tool_specs"]
