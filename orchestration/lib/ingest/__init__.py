"""Getting data in: landing files read, validated, screened and loaded into raw tables; parsers of
published reference files.

landing (what a run takes up from landing/<source>/), reading (decode and parse a file),
validation and screening (the rules, the full check and the quick one), raw_tables (the tables
and COPY), load_audit (audit.loads: each load's outcome, withdrawals), loaders (one file from
landing to raw table in one transaction, and the reference snapshot), reference (the parsers).
"""
