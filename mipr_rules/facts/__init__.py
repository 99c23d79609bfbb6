"""Fact calculators: Python that measures, turning a subject (a location, a report...) into flat facts."""
