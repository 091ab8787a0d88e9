"""Analysis of the measures: annotations, check-plan-do trials, the series charted, verdicts and
the store of computed charts.
"""
