"""The one error the reference parsers raise (re-exported by the package)."""


class ReferenceFormatError(ValueError):
    """A reference file is missing or is not in the official format."""
