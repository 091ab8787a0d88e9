"""How the platform runs under Dagster: the instance's storage, the in-process runner, resources
and the shared asset selections.
"""
