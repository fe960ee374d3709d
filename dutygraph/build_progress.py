"""What `dutygraph build` shows while it works, on standard error.

On a terminal: one line, redrawn, `[####----] 3/10 building <doc>`; a failure is printed
above it as it happens. Otherwise (a log, a pipe, CI): one line per document, `built <doc>
(N triples, 1.2 s)`, `reused <doc>` or `FAILED <doc>: …`. Quiet: nothing.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from dutygraph.ontology.build import DocumentFailure, DocumentOutput, Reused

BAR_WIDTH = 24


class BuildProgress:
    """A `BuildListener` (ontology/build.py) that draws the build for a person."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False, terminal: bool | None = None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.terminal = self.stream.isatty() if terminal is None else terminal
        self.total = self.done = 0
        self.counts = {"built": 0, "reused": 0, "failed": 0}
        self.working_on: list[str] = []
        self.started = time.perf_counter()
        self._drawn = 0  # characters of the bar now on the screen
        self.closed = False

    # -- BuildListener ----------------------------------------------------------------------

    def planned(self, total: int, to_build: int) -> None:
        self.total = total
        if not self.terminal:
            self._line(f"{total} document(s), {to_build} to build")

    def working(self, doc_ids: list[str]) -> None:
        self.working_on = doc_ids
        self._draw()

    def finished(self, outcome: DocumentOutput | Reused | DocumentFailure) -> None:
        self.done += 1
        if isinstance(outcome, DocumentFailure):
            self.counts["failed"] += 1
            first_line = str(outcome).splitlines()[0] if str(outcome) else ""
            self._line(f"FAILED {outcome.doc_id}: {first_line}")  # on a terminal too: never lost
        elif isinstance(outcome, Reused):
            self.counts["reused"] += 1
            if not self.terminal:
                self._line(f"reused {outcome.doc_id}")
        else:
            self.counts["built"] += 1
            if not self.terminal:
                self._line(f"built {outcome.doc_id} ({outcome.triples} triples, {outcome.seconds:.1f} s)")
        self._draw()

    def note(self, message: str) -> None:
        self._line(message)

    # -- the end ----------------------------------------------------------------------------

    def close(self) -> None:
        """Clear the bar and say what the build did, in how long."""
        self._clear()
        self.closed = True
        counts = ", ".join(f"{n} {what}" for what, n in self.counts.items() if n)
        self._line(f"{counts or 'no documents'} in {time.perf_counter() - self.started:.1f} s")

    # -- drawing ----------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        if not self.quiet:
            self.stream.write(text)
            self.stream.flush()

    def _clear(self) -> None:
        if self._drawn:
            self._write("\r" + " " * self._drawn + "\r")
            self._drawn = 0

    def _line(self, text: str) -> None:
        self._clear()
        self._write(text + "\n")
        self._draw()

    def _draw(self) -> None:
        if not self.terminal or not self.total or self.quiet or self.closed:
            return
        filled = BAR_WIDTH * self.done // self.total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        busy = self.working_on and self.done < self.total
        doing = f" building {', '.join(self.working_on)}" if busy else ""
        width = shutil.get_terminal_size().columns - 1  # a line that wraps cannot be redrawn
        text = f"[{bar}] {self.done}/{self.total}{doing}"[:width]
        self._write("\r" + text + " " * max(0, self._drawn - len(text)))
        self._drawn = max(len(text), self._drawn)
