"""Source contracts: the written agreement of what each landing-zone file holds.

Kept as YAML in config/contracts/ (format in its README; model and JSON Schema in
orchestration/lib/registers/contracts.py); the loader validates files against them, the raw
tables are created from them, and each raw table's Great Expectations suite checks what its
contract implies (quality/contract_expectations.py).
"""

from functools import cache
from pathlib import Path

from orchestration.lib import environment, yamlfiles
from orchestration.lib.registers import validate
from orchestration.lib.registers.base import References
from orchestration.lib.registers.contracts import SQL_TYPES as TYPES
from orchestration.lib.registers.contracts import Column, Contract
from orchestration.lib.registers.problems import RegisterError, suggest

__all__ = ["TYPES", "Column", "Contract", "ContractError", "all_contracts", "get"]

# A contract file that is itself wrong: the one error of every register, by its old name.
ContractError = RegisterError


def _columns(document: yamlfiles.Document) -> frozenset[str]:
    """The column names a contract file declares, as written (for other contracts'
    references), whether or not the file is valid."""
    columns = document.data.get("columns") if isinstance(document.data, dict) else None
    names = [c.get("name") for c in columns or () if isinstance(c, dict)]
    return frozenset(name for name in names if isinstance(name, str))


def check_folder(folder: Path) -> tuple[dict[str, Contract], list]:
    """Every contract of the folder, and every problem found in any of them."""
    documents = {path: yamlfiles.read(path) for path in sorted(Path(folder).glob("*.yml"))}
    columns = {path.stem: _columns(document) for path, document in documents.items()}
    context = References(sources=frozenset(columns), source_columns=columns)
    contracts, problems = {}, []
    for path, document in documents.items():
        contract, found = validate.check(document, Contract, context=context)
        problems += found
        if contract is not None and contract.source != path.stem:
            problems.append(
                document.problem(
                    ("source",),
                    f"source {contract.source!r} must be the file's name ({path.stem})",
                )
            )
        elif contract is not None:
            contracts[contract.source] = contract
    return contracts, problems


@cache
def _all(folder: Path) -> dict[str, Contract]:
    contracts, problems = check_folder(folder)
    if problems:
        raise RegisterError(problems)
    return contracts


def all_contracts(folder: Path | None = None) -> dict[str, Contract]:
    return _all(Path(folder or environment.contracts_dir()))


def get(source: str) -> Contract:
    contracts = all_contracts()
    if source not in contracts:
        hint = suggest(source, contracts)
        raise RegisterError.at(
            environment.contracts_dir() / f"{source}.yml",
            f"no contract for source '{source}'; known sources: {', '.join(sorted(contracts))}",
            hint=hint,
        )
    return contracts[source]
