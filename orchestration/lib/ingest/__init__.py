"""Getting data in: landing files read, validated, screened and loaded into raw tables; parsers of
published reference files.
"""
