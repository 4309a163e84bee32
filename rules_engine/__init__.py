"""SLA policy-as-code: parse, check and evaluate service-level agreements."""

__version__ = "0.1.0"
