"""`bdc bench`: how fast and how big the pipeline is, and how close ingest gets to plain COPY.

run.py drives one throwaway warehouse per scale; every stage runs in its own child process
(child.py) so its peak memory can be read; memory.py samples the PostgreSQL server; ceiling.py
times the loader against a plain COPY; report.py writes latest.json and latest.md.
"""
