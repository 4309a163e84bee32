"""Text from a policy or from data, made safe for the format it is written in.

Labels, ids, names, services, paths and explanations come from files someone else may
have written, and every output format has characters that change what the reader sees:
a terminal obeys escape sequences, Markdown turns a newline and ``<img onerror=...>``
into a new block of raw HTML, XML 1.0 cannot carry most control characters at all, and a
GitHub workflow command ends at a newline. Every renderer escapes through this module,
one function per format (``docs/cli.md``, "What outputs show"):

- :func:`terminal` for the text formats (``eval``, ``explain``, ``escalations``,
  ``test``, ``diff``, ``check``, ``validate``), and :func:`terminal_field` for one value
  that must stay on its line (a record id in a table);
- :func:`markdown_text`, :func:`markdown_code` and :func:`markdown_fence` for Markdown;
- :func:`xml_text` for JUnit XML (and SVG titles); HTML uses :func:`html.escape`;
- :func:`github_data` and :func:`github_property` for GitHub workflow commands.

No stage is imported here, so every stage may import it.

>>> terminal("id \\x1b[31mred\\x1b[0m\\n")
'id \\\\x1b[31mred\\\\x1b[0m\\n'
>>> markdown_text("P1\\n<img src=x onerror=alert(1)>")
'P1 \\\\<img src=x onerror=alert(1)\\\\>'
>>> markdown_code("a `b` c")
'``a `b` c``'
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, the bidirectional overrides and
# isolates (which reorder what a reader sees), and the Unicode line and paragraph
# separators (which some readers take for a newline).
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_TERMINAL = re.compile(f"[{_UNSAFE}]")
_TERMINAL_FIELD = re.compile(f"[\t\n{_UNSAFE}]")


_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _visible(match: re.Match[str]) -> str:
    """A character shown as its escape, as Python writes it: ``\\r``, ``\\x1b``,
    ``\\u202e``."""
    char = match.group()
    code = ord(char)
    if char in _SHORT:
        return _SHORT[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """Text for a terminal: every control character but newline and tab shown as its
    escape (``\\x1b``), so data cannot move the cursor, recolour, retitle or clear the
    screen, or hide text behind a carriage return or a bidi override."""
    return _TERMINAL.sub(_visible, text)


def terminal_field(value: object) -> str:
    """One value (an id, a label) for a terminal line: as :func:`terminal`, and newline
    and tab shown as escapes too, so a value cannot start a line of its own."""
    text = "-" if value is None else str(value)
    # every character this escapes is unprintable, so most values skip the regex
    return text if text.isprintable() else _TERMINAL_FIELD.sub(_visible, text)


# --------------------------------------------------------------------------- Markdown

# every character some Markdown reader takes for a line break
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>|])")
_BLOCK_START = re.compile(r"^(\s*)([#+=~-]|\d+[.)])")


def _one_line(text: str) -> str:
    return terminal(_LINE_BREAKS.sub(" ", text)).replace("\t", " ")


def markdown_text(value: object, *, line_start: bool = False) -> str:
    """Plain text inside a Markdown paragraph, heading or table cell: on one line (line
    breaks become spaces), with the characters that open HTML, links, code, emphasis or
    a table cell escaped; ``line_start`` for text that begins a line (a leading ``#``,
    ``-``, ``1.`` would make it a heading or a list)."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", _one_line("-" if value is None else str(value)))
    if line_start:
        text = _BLOCK_START.sub(r"\1\\\2", text)
    return text


def markdown_code(value: object, *, in_table: bool = False) -> str:
    """A code span holding ``value`` verbatim (on one line): fenced by more backticks
    than it contains; in a table, ``|`` is escaped (GitHub splits cells on it even in
    code, and shows ``\\|`` as ``|``)."""
    text = _one_line("-" if value is None else str(value))
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`") or not text.strip():
        text = f" {text} "
    return f"{fence}{text}{fence}"


def markdown_fence(text: str, info: str = "") -> list[str]:
    """A fenced code block holding ``text`` verbatim: the fence is longer than any run of
    backticks inside, so nothing in the text can close it."""
    body = terminal(text.replace("\r\n", "\n").replace("\r", "\n"))
    longest = max((len(run) for run in re.findall("`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", *body.split("\n"), fence]


# --------------------------------------------------------------------------- XML, GitHub

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Text XML 1.0 can carry: the characters it forbids (most C0 controls, lone
    surrogates, U+FFFE/U+FFFF) are dropped rather than fail the document; markup
    characters are left to the XML writer."""
    return _XML_INVALID.sub("", "" if value is None else str(value))


_GITHUB_BREAKS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def github_data(text: str) -> str:
    """A workflow command's message (GitHub's toolkit escapes ``%``, CR and LF); other
    control characters, some of which end a line for some readers, become spaces."""
    text = _GITHUB_BREAKS.sub(" ", text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A workflow command's property (also ``:`` and ``,``, which delimit properties)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")
