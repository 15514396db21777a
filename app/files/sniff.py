"""What a file is, judged from its bytes: magic numbers (`filetype`) for binary formats, and
for the text formats, which have none, valid UTF-8 without NUL under a text extension.

The name's extension must agree with the content: a program renamed `report.pdf` is a
mismatch, not a PDF. A name without an extension gets the one of its content.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import filetype

from app.core.errors import Invalid

# Enough of the head for every matcher (filetype reads at most 8192 bytes).
HEAD_BYTES = 8192


@dataclass(frozen=True, slots=True)
class Kind:
    content_type: str
    extensions: tuple[str, ...]
    image: bool = False
    # Decided by the extension once the content is known to be text.
    text: bool = False

    @property
    def extension(self) -> str:
        return self.extensions[0]


_OOXML = "application/vnd.openxmlformats-officedocument"
BINARY = {
    k.content_type: k
    for k in (
        Kind("application/pdf", (".pdf",)),
        Kind(f"{_OOXML}.wordprocessingml.document", (".docx",)),
        Kind(f"{_OOXML}.spreadsheetml.sheet", (".xlsx",)),
        Kind(f"{_OOXML}.presentationml.presentation", (".pptx",)),
        Kind("application/msword", (".doc",)),
        Kind("application/vnd.ms-excel", (".xls",)),
        Kind("application/vnd.ms-powerpoint", (".ppt",)),
        Kind("image/png", (".png",), image=True),
        Kind("image/jpeg", (".jpg", ".jpeg"), image=True),
        Kind("image/gif", (".gif",), image=True),
        Kind("image/webp", (".webp",), image=True),
    )
}
TEXT = {
    ext: Kind(content_type, (ext,), text=True)
    for ext, content_type in (
        (".txt", "text/plain"),
        (".csv", "text/csv"),
        (".md", "text/markdown"),
        (".markdown", "text/markdown"),
    )
}
# Extensions that claim an allowed type: content that is not that type is a mismatch.
CLAIMED = {ext for kind in BINARY.values() for ext in kind.extensions} | set(TEXT)
IMAGE_TYPES = frozenset(k.content_type for k in BINARY.values() if k.image)


# What the pages call each kind.
LABELS = {
    "application/pdf": "PDF",
    f"{_OOXML}.wordprocessingml.document": "Word",
    f"{_OOXML}.spreadsheetml.sheet": "Excel",
    f"{_OOXML}.presentationml.presentation": "PowerPoint",
    "application/msword": "Word",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.ms-powerpoint": "PowerPoint",
    "text/plain": "Text",
    "text/csv": "CSV",
    "text/markdown": "Markdown",
}


def label(content_type: str) -> str:
    return LABELS.get(content_type) or content_type.rsplit("/", 1)[-1].upper()


def extension_of(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _unsupported(detected: str | None) -> Invalid:
    what = f" ({detected})" if detected else ""
    return Invalid(
        f"This type of file{what} cannot be uploaded. Allowed: PDF, Office documents "
        "(Word, Excel, PowerPoint), PNG, JPEG, GIF and WebP images, text, CSV and Markdown.",
        field="body.file",
        code="unsupported_file_type",
    )


def mismatch(extension: str, detected: str) -> Invalid:
    return Invalid(
        f"The file is named {extension} but its content is {detected}.",
        field="body.file",
        code="file_type_mismatch",
    )


def judge(name: str, head: bytes) -> Kind:
    """The kind of a file from its name and the first `HEAD_BYTES` of its content (a text
    kind is provisional: the rest must be text too, see `TextCheck`). 422 when it is not
    allowed, or when the name says otherwise."""
    extension = extension_of(name)
    guess = filetype.guess(head)
    if guess is not None:
        kind = BINARY.get(guess.mime)
        if kind is None:
            if extension in CLAIMED:
                raise mismatch(extension, guess.mime)
            raise _unsupported(guess.mime)
        if extension and extension not in kind.extensions:
            raise mismatch(extension, kind.content_type)
        return kind
    if extension in TEXT:
        return TEXT[extension]
    if extension in CLAIMED:
        raise mismatch(extension, "something else")
    raise _unsupported(None)


class TextCheck:
    """Fed a text file's bytes in order: valid UTF-8 (split characters across chunks are
    fine) and no NUL byte, else a mismatch with its text extension."""

    def __init__(self, extension: str) -> None:
        self.extension = extension
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def _not_text(self) -> Invalid:
        return mismatch(self.extension, "not UTF-8 text")

    def feed(self, chunk: bytes) -> None:
        if b"\x00" in chunk:
            raise self._not_text()
        try:
            self.decoder.decode(chunk)
        except UnicodeDecodeError:
            raise self._not_text() from None

    def finish(self) -> None:
        try:
            self.decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise self._not_text() from None
