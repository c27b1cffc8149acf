"""The README's tools example is a working config: it loads, and its command tool runs."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from realtime_cli.command_tools import ToolQuestion, command_tool_specs
from realtime_cli.config import load_config, session_config

README = Path(__file__).resolve().parent.parent.parent / "README.md"


def test_the_readme_tools_example_loads_and_runs(tmp_path: Path) -> None:
    section = README.read_text().split("### Tools and MCP servers", 1)[1]
    example = re.search(r"```toml\n(.*?)```", section, re.S)
    assert example is not None
    config = tmp_path / "config.toml"
    config.write_text(example.group(1))
    settings = load_config("home", config, {}, {}).settings
    assert list(settings.command_tools) == ["disk_usage", "weather"]
    assert settings.command_tools["weather"].confirm
    [mcp] = session_config(settings, {"GITHUB_MCP_AUTHORIZATION": "Bearer x"})["tools"]
    assert mcp["server_label"] == "github"

    asked: list[ToolQuestion] = []

    async def ask(question: ToolQuestion) -> bool:
        asked.append(question)
        return True

    specs = {spec.name: spec for spec in command_tool_specs(settings.command_tools, ask)}
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "file").write_bytes(b"x" * 10_000)
    output = asyncio.run(specs["disk_usage"].run(f'{{"path": "{tmp_path / "data"}"}}'))
    assert output.rstrip().endswith(str(tmp_path / "data"))
    assert asked == []  # confirm is off for disk_usage
