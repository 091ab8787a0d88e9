"""The public site: the disclosure-controlled publish schema, and the static site built from it."""
