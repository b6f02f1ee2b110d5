"""The loader's own errors: every rejected input raises one of these, never anything else."""

from __future__ import annotations


class LoaderError(Exception):
    """A source document that cannot be read as a report. The message says what to do."""

    def __init__(self, source: str, message: str, *, line: int | None = None, offset: int | None = None):
        self.source = source
        self.line = line
        self.offset = offset
        where = source
        if line is not None:
            where += f", line {line}"
        if offset is not None:
            where += f", byte {offset}"
        super().__init__(f"{where}: {message}")


class DecodeError(LoaderError):
    """Empty, binary, or in an encoding that is neither UTF-8 nor GB18030."""


class StructureError(LoaderError):
    """Readable text, but no report structure (no findings) in it."""


class FormatError(LoaderError):
    """A file that cannot be turned into text: unreadable, corrupt, of an unsupported type, or without text."""


class LimitError(LoaderError):
    """A file over one of the loader's limits (size, unpacked size, text length, memory, time), which
    bound what one report may cost; the message names the limit, so its owner knows what to change."""
