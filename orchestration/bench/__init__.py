"""`bdc bench`: how fast and how big the pipeline is, and how close ingest gets to plain COPY.

run.py drives one throwaway warehouse per scale; every stage runs in its own child process
(child.py) so its peak memory can be read; memory.py samples the PostgreSQL server; ceiling.py
times the loader against a plain COPY; deployment.py times a landing file to the public page
through the deployed Dagster processes; report.py writes latest.json and latest.md.
"""
