"""The registers of config/ as typed models: one pydantic model per register, which its loader
validates through on load (file, line and a suggestion for every problem), which
`bdc config check` runs without a database, and from which config/schemas/ is generated for
editors. The list of registers is catalogue.REGISTERS; docs/configuration.md describes them.

Nothing is imported here: yamlfiles (which the models' loaders use) imports problems.py.
"""
