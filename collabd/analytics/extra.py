"""The `analytics` extra (numpy, scipy, matplotlib) is optional: say so clearly when it is missing.

Stdlib only. The study and report modules import the heavy libraries at their top and turn an
ImportError into MissingExtraError, so `import collabd` never pays for them and a server without
the extra fails with an actionable message only when analytics are asked for.
"""

INSTALL_HINT = "pip install 'collabd[analytics]'"


class MissingExtraError(ImportError):
    """Raised when the analytics extra (numpy, scipy, matplotlib) is not installed."""

    def __init__(self, missing: str) -> None:
        super().__init__(
            f"collabd analytics needs the optional 'analytics' extra ({missing} is not "
            f"installed): {INSTALL_HINT}"
        )
        self.missing = missing
