"""Data quality: GX suites derived from the contracts, their scope and results, the quality marks,
Data Docs, freshness and the publication gate.
"""
