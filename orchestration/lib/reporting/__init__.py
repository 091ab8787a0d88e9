"""Member reports (docs/reports.md): Cabinet, Portfolio Holder briefings and Overview & Scrutiny.

calendar (reporting periods and schedules) -> data (a snapshot of the rows a pack uses) ->
model (what each document shows) -> render (HTML, PDF, CSV) -> freeze (issue immutably).
"""
