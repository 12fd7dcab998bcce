"""The REM language: catalog, grammar, syntax tree, parser, validator, printer."""

from rem_agent.rem.catalog import (
    Catalog,
    FieldSpec,
    FieldType,
    TableSpec,
    default_catalog,
    load_catalog,
)
from rem_agent.rem.check import CheckResult, check_rem
from rem_agent.rem.decode_grammar import decode_grammar
from rem_agent.rem.decode_spec import DecodeSpec
from rem_agent.rem.grammar import parse_grammar
from rem_agent.rem.parse import RemErrorInfo, RemSyntaxError, parse_rem
from rem_agent.rem.profile import Profile, parse_profile
from rem_agent.rem.render import render
from rem_agent.rem.validate import Issue, validate

__all__ = [
    "Catalog",
    "CheckResult",
    "DecodeSpec",
    "FieldSpec",
    "FieldType",
    "Issue",
    "Profile",
    "RemErrorInfo",
    "RemSyntaxError",
    "TableSpec",
    "check_rem",
    "decode_grammar",
    "default_catalog",
    "load_catalog",
    "parse_grammar",
    "parse_profile",
    "parse_rem",
    "render",
    "validate",
]
