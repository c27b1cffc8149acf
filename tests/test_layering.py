"""The architecture's arrows point inward (DESIGN.md): checked on the import statements."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "realtime_cli"

# package -> prefixes its modules must not import
FORBIDDEN = {
    "protocol": (
        "realtime_cli.core",
        "realtime_cli.transport",
        "realtime_cli.audio",
        "realtime_cli.cli",
        "realtime_cli.emulator",
        "asyncio",
        "socket",
        "websockets",
        "httpx",
        "sounddevice",
        "numpy",
        "time",
        "openai",
    ),
    "core": (
        "realtime_cli.transport",
        "realtime_cli.audio",
        "realtime_cli.cli",
        "realtime_cli.emulator",
        "asyncio",
        "socket",
        "websockets",
        "httpx",
        "sounddevice",
        "time",
        "openai",
    ),
    "audio": (
        "realtime_cli.transport",
        "realtime_cli.protocol",
        "realtime_cli.core",
        "realtime_cli.emulator",
        "openai",
    ),
    "tui": (
        "realtime_cli.transport",
        "realtime_cli.audio",
        "realtime_cli.emulator",
        "realtime_cli.session",
        "asyncio",
        "sounddevice",
        "openai",
    ),
    "command_tools": (
        "realtime_cli.cli",
        "realtime_cli.tui",
        "realtime_cli.audio",
        "realtime_cli.transport",
        "realtime_cli.emulator",
        "openai",
    ),
    "transport": (
        "realtime_cli.audio",
        "realtime_cli.core",
        "realtime_cli.emulator",
        "sounddevice",
        "openai",
    ),
}


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_inward(package: str) -> None:
    root = PACKAGE / package
    if not root.exists():
        pytest.skip(f"realtime_cli/{package} does not exist yet")
    bad = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted(root.rglob("*.py"))
        for name in _imports(path)
        if any(name == p or name.startswith(p + ".") for p in FORBIDDEN[package])
    ]
    assert bad == []


def test_no_module_imports_the_sdk() -> None:
    bad = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(name == "openai" or name.startswith("openai.") for name in _imports(path))
    ]
    assert bad == []


def test_the_emulator_checks_by_the_service_rules_not_rts_validation() -> None:
    # A rule only rt believes in would pass every test if the emulator reused it.
    used = {
        str(path.relative_to(PACKAGE))
        for path in (PACKAGE / "emulator").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.ImportFrom)
        and any(
            alias.name in ("validate_client_event", "InvalidClientEvent") for alias in node.names
        )
    }
    assert used == set()
