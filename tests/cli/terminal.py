"""A tiny terminal: enough of VT100/xterm to replay what rich writes and read the screen back.

Handles printable text with pending wrap, CR/LF/BS, cursor movement (CSI A B C D G H f), erase
(CSI K J), SGR attributes (bold, dim, italic, underline, reverse, strike; colours skipped)
and skips OSC strings and private modes. The buffer grows downwards without limit, like a
terminal's scrollback; the screen is its last `height` rows, and the cursor cannot leave it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SEQUENCE = re.compile(
    r"\x1b\[(?P<params>[0-9;?<=>]*)[ -/]*(?P<final>[@-~])"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC, ended by BEL or ST
    r"|\x1b[()][0-9A-Za-z]"  # charset designation
    r"|\x1b[@-_]"  # any other two-byte escape
)

_ATTRS = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 7: "reverse", 9: "strike"}
_RESETS = {22: ("bold", "dim"), 23: ("italic",), 24: ("underline",), 27: ("reverse",)}
_RESETS[29] = ("strike",)


@dataclass(frozen=True, slots=True)
class Cell:
    char: str = " "
    attrs: frozenset[str] = frozenset()


@dataclass
class Terminal:
    width: int = 100
    height: int = 30
    rows: list[list[Cell]] = field(default_factory=lambda: [[]])
    row: int = 0
    col: int = 0
    attrs: frozenset[str] = frozenset()
    #: SGR parameter lists seen, in order (to check what rich asked the terminal for).
    sgr: list[tuple[int, ...]] = field(default_factory=list)
    _wrap_pending: bool = False

    def feed(self, text: str) -> None:
        """Interpret `text` (decoded terminal output)."""
        pos = 0
        for match in _SEQUENCE.finditer(text):
            self._text(text[pos : match.start()])
            pos = match.end()
            if match.group("final") is not None:
                self._csi(match.group("params"), match.group("final"))
        self._text(text[pos:])

    # ---- reading the screen ----------------------------------------------------------------

    @property
    def top(self) -> int:
        return max(0, len(self.rows) - self.height)

    def lines(self) -> list[str]:
        """The screen's rows as text, trailing blanks stripped."""
        return ["".join(c.char for c in r).rstrip() for r in self.rows[self.top :]]

    def text(self) -> str:
        """The screen as text, without trailing blank lines."""
        return "\n".join(self.lines()).rstrip("\n")

    def styled(self, attr: str) -> list[str]:
        """On each screen row, the runs of characters drawn with `attr`."""
        runs: list[str] = []
        for row in self.rows[self.top :]:
            run = ""
            for cell in [*row, Cell()]:
                if attr in cell.attrs:
                    run += cell.char
                elif run:
                    runs.append(run)
                    run = ""
        return runs

    # ---- interpretation --------------------------------------------------------------------

    def _line(self) -> list[Cell]:
        while len(self.rows) <= self.row:
            self.rows.append([])
        return self.rows[self.row]

    def _text(self, text: str) -> None:
        for char in text:
            if char == "\n":
                self._down()
            elif char == "\r":
                self.col, self._wrap_pending = 0, False
            elif char == "\b":
                self.col, self._wrap_pending = max(0, self.col - 1), False
            elif char in "\x07\x00":
                continue
            elif char >= " ":
                self._put(char)

    def _put(self, char: str) -> None:
        if self._wrap_pending:
            self._down()
            self.col, self._wrap_pending = 0, False
        line = self._line()
        while len(line) <= self.col:
            line.append(Cell())
        line[self.col] = Cell(char, self.attrs)
        if self.col == self.width - 1:
            self._wrap_pending = True
        else:
            self.col += 1

    def _down(self) -> None:
        self.row += 1
        self._line()
        self._wrap_pending = False

    def _csi(self, params: str, final: str) -> None:
        if params.startswith("?"):
            return  # private modes (cursor visibility, alternate screen): nothing to draw
        numbers = [int(p) if p else 0 for p in params.split(";")] if params else []
        n = max(1, numbers[0]) if numbers else 1
        self._wrap_pending = False
        if final == "A":
            self.row = max(self.top, self.row - n)
        elif final == "B":
            self.row += n
            self._line()
        elif final == "C":
            self.col = min(self.width - 1, self.col + n)
        elif final == "D":
            self.col = max(0, self.col - n)
        elif final == "G":
            self.col = min(self.width - 1, n - 1)
        elif final in "Hf":
            row = numbers[0] if numbers else 1
            col = numbers[1] if len(numbers) > 1 else 1
            self.row = self.top + max(1, row) - 1
            self.col = min(self.width - 1, max(1, col) - 1)
            self._line()
        elif final == "K":
            self._erase_line(numbers[0] if numbers else 0)
        elif final == "J":
            self._erase_display(numbers[0] if numbers else 0)
        elif final == "m":
            self._sgr(tuple(numbers) or (0,))

    def _erase_line(self, mode: int) -> None:
        line = self._line()
        if mode == 0:
            del line[self.col :]
        elif mode == 1:
            for i in range(min(self.col + 1, len(line))):
                line[i] = Cell()
        else:
            line.clear()

    def _erase_display(self, mode: int) -> None:
        self._erase_line(mode if mode < 2 else 2)
        if mode == 0:
            del self.rows[self.row + 1 :]
        elif mode == 1:
            for r in range(self.top, self.row):
                self.rows[r] = []
        else:
            for r in range(self.top, len(self.rows)):
                self.rows[r] = []

    def _sgr(self, numbers: tuple[int, ...]) -> None:
        self.sgr.append(numbers)
        attrs = set(self.attrs)
        i = 0
        while i < len(numbers):
            code = numbers[i]
            if code == 0:
                attrs.clear()
            elif code in _ATTRS:
                attrs.add(_ATTRS[code])
            elif code in _RESETS:
                attrs.difference_update(_RESETS[code])
            elif code in (38, 48, 58) and i + 1 < len(numbers):
                # Extended colour: 5;N or 2;R;G;B follow.
                i += 2 if numbers[i + 1] == 5 else 4
            i += 1
        self.attrs = frozenset(attrs)
