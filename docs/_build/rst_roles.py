"""Griffe extension for the site: the docstrings' reStructuredText roles (``:func:`x```,
``:class:`~a.b.C```) and ``::`` literal-block markers read as plain Markdown code."""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:func|meth|class|mod|data|attr|exc|obj):`~?([^`]+)`")
LITERAL = re.compile(r"(^|\s)::\s*$", re.M)


class RstRoles(griffe.Extension):
    """Rewrite every docstring as it is loaded."""

    def _clean(self, obj) -> None:
        if obj.docstring is not None:
            text = ROLE.sub(r"`\1`", obj.docstring.value)
            obj.docstring.value = LITERAL.sub(r"\1", text)

    def on_instance(self, *, obj, **kwargs) -> None:  # noqa: ARG002
        self._clean(obj)
