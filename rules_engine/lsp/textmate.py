"""The TextMate grammar of the VS Code extension, generated from the parser's keywords.

``python -m rules_engine.lsp.textmate > editors/vscode/syntaxes/sla.tmLanguage.json``
writes it; ``tests/lsp/test_vscode.py`` checks the committed file is this output, so a
keyword added to the grammar (``language/grammar/sla.lark``) is coloured once the file is
regenerated. Every character of a policy falls in some rule (the Node test in
``editors/vscode/test`` checks no region of a shipped policy is left unmatched).
"""

from __future__ import annotations

import json
import re
from typing import Any

from rules_engine.language.parser import reserved_words

_DECLARES_FUNCTION = ("target", "credit", "bonus", "exit", "escalation")
_DECLARES_TYPE = ("calendar", "dataset", "tier")


def grammar() -> dict[str, Any]:
    keywords = "|".join(
        sorted((re.escape(w) for w in reserved_words()), key=lambda w: (-len(w), w))
    )
    name = r"(?:`[^`\n]+`|[A-Za-z_][A-Za-z0-9_]*)"
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "SLA policy",
        "scopeName": "source.sla",
        "fileTypes": ["sla"],
        "patterns": [
            {"include": "#comment"},
            {"include": "#string"},
            {"include": "#declaration"},
            {"include": "#literal"},
            {"include": "#keyword"},
            {"include": "#name"},
            {"include": "#operator"},
            {"include": "#punctuation"},
        ],
        "repository": {
            "comment": {"name": "comment.line.number-sign.sla", "match": "#.*$"},
            "string": {
                "name": "string.quoted.double.sla",
                "begin": '"',
                "end": '"|$',
                "patterns": [{"name": "constant.character.escape.sla", "match": r"\\."}],
            },
            "declaration": {
                "patterns": [
                    {
                        "match": rf"^\s*(?:(override)\s+)?({'|'.join(_DECLARES_FUNCTION)})\s+({name})",
                        "captures": {
                            "1": {"name": "storage.modifier.sla"},
                            "2": {"name": "keyword.declaration.sla"},
                            "3": {"name": "entity.name.function.sla"},
                        },
                    },
                    {
                        "match": rf"^\s*(?:(override)\s+)?({'|'.join(_DECLARES_TYPE)})\s+({name})",
                        "captures": {
                            "1": {"name": "storage.modifier.sla"},
                            "2": {"name": "keyword.declaration.sla"},
                            "3": {"name": "entity.name.type.sla"},
                        },
                    },
                ]
            },
            "literal": {
                "patterns": [
                    {"name": "constant.numeric.date.sla", "match": r"\b\d{4}-\d{2}-\d{2}\b"},
                    {"name": "constant.numeric.time.sla", "match": r"\b\d{1,2}:\d{2}\b"},
                    {"name": "constant.numeric.percent.sla", "match": r"\b\d+(?:\.\d+)?%"},
                    {"name": "constant.language.clock.sla", "match": r"\b24x7\b"},
                    {
                        "name": "constant.numeric.duration.sla",
                        "match": r"\b\d+[wdhms](?:\d+[wdhms])*\b",
                    },
                    {"name": "constant.numeric.sla", "match": r"\b\d+(?:\.\d+)?\b"},
                    {"name": "constant.language.boolean.sla", "match": r"\b(?:true|false)\b"},
                ]
            },
            "keyword": {"name": "keyword.other.sla", "match": rf"\b(?:{keywords})\b"},
            "name": {
                "patterns": [
                    {"name": "variable.other.escaped.sla", "match": r"`[^`\n]*`?"},
                    {"name": "variable.other.sla", "match": r"\b[A-Za-z_][A-Za-z0-9_]*\b"},
                ]
            },
            "operator": {"name": "keyword.operator.comparison.sla", "match": r"<=|>=|!=|=|<|>"},
            "punctuation": {
                "patterns": [
                    {"name": "punctuation.section.block.sla", "match": r"[{}]"},
                    {"name": "punctuation.section.brackets.sla", "match": r"[\[\]()]"},
                    {"name": "punctuation.separator.sla", "match": r"[,\-]"},
                    {"name": "invalid.illegal.character.sla", "match": r"[^\s]"},
                ]
            },
        },
    }


def main() -> None:
    print(json.dumps(grammar(), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
