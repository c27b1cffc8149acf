"""The `rt talk` screen on a terminal: a thin owner of `rich.live.Live`.

`Live` redraws on its own thread at `fps`; `update(view)` only swaps in a freshly built
renderable (cheap, no terminal I/O), so calling it from the event loop never blocks on the
terminal. The renderable holds copies of the view's values, never the view itself, so the
drawing thread does not race the event loop's changes.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console, RenderableType
from rich.live import Live

from realtime_cli.tui.render import render_screen
from realtime_cli.tui.state import TalkView

__all__ = ["DEFAULT_FPS", "LiveScreen"]

DEFAULT_FPS = 15.0


class LiveScreen:
    """Draws a `TalkView` in place. Use as a context manager, or `start()` and `stop()`."""

    def __init__(
        self, console: Console | None = None, *, fps: float = DEFAULT_FPS, transient: bool = False
    ) -> None:
        self.console = console or Console()
        self._live = Live(
            console=self.console,
            refresh_per_second=fps,
            transient=transient,
            # The screen crops itself to the terminal; this only guards a resize mid-draw.
            vertical_overflow="crop",
            # A stray print from another thread would otherwise tear the screen.
            redirect_stdout=True,
            redirect_stderr=True,
        )

    def start(self) -> None:
        """Take over the terminal's last lines and start redrawing."""
        self._live.start(refresh=True)

    def stop(self) -> None:
        """Draw the last frame and give the terminal back."""
        self._live.stop()

    def update(self, view: TalkView) -> None:
        """Show the view's current state from the next redraw on."""
        # The transcript can never show more turns than the terminal has lines.
        self._live.update(render_screen(view, max_turns=self.console.height), refresh=False)

    def cropped(self, view: TalkView) -> bool:
        """Whether the screen for `view` leaves turns out (they did not fit the terminal)."""
        screen = render_screen(view, max_turns=len(view.turns))
        options = self.console.options.update(height=None)
        lines = sum(
            len(self.console.render_lines(part, options, pad=False))
            for part in (screen.header, screen.transcript, screen.footer)
        )
        return lines > self.console.height

    def print(self, renderable: RenderableType) -> None:
        """Print above the live screen (for example the summary, after `stop`)."""
        self.console.print(renderable)

    def __enter__(self) -> LiveScreen:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
