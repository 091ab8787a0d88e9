"""Read a YAML register: a mapping whose one key holds the list of entries (agreements, measures,
annotations, trials), each entry then checked by its own module.

A file that is not valid YAML, or not such a mapping, is refused with the file's name and what
is wrong, as the error of the module that reads it.
"""

from pathlib import Path

import yaml


def load_mapping(path: Path, list_key: str, error: type[Exception] = ValueError) -> dict:
    """The file's mapping (an empty file reads as an empty one), whose `list_key` holds a list
    or nothing; whether the list must be there is the caller's to say."""
    path = Path(path)
    try:
        # The C loader: some registers are read by every run and every partner-return load.
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
    except yaml.YAMLError as problem:
        raise error(f"{path.name}: not valid YAML ({problem})") from problem
    entries = document.get(list_key) if isinstance(document, dict) else ()
    if not isinstance(entries, list | None):
        article = "an" if list_key[:1] in tuple("aeiou") else "a"
        raise error(f"{path.name}: expected a mapping with {article} `{list_key}:` list")
    return document
