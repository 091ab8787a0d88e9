"""The measure registry: measures, their purposes and owners, and the tables it writes."""
