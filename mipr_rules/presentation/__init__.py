"""Words for people: UK dates and durations, readable subject labels, due dates, the "do first" list and
progress bars. Below the results that use them and the outputs that print them (the layering contract)."""
