"""The library interface: the whole pipeline, stage by stage, as a Python user calls it.

The CLI commands are thin layers over these functions::

    >>> from rules_engine.api import check_source
    >>> result = check_source('policy "x"', "x.sla")
    >>> result.ok
    False
    >>> result.diagnostics[0].code
    'SLA208'
"""

from __future__ import annotations

from rules_engine.language.checker import CheckResult
from rules_engine.language.diagnostics import PolicyError
from rules_engine.language.load import check_file, check_source, load_policy, read_policy_text

__all__ = [
    "CheckResult",
    "PolicyError",
    "check_file",
    "check_source",
    "load_policy",
    "read_policy_text",
]
