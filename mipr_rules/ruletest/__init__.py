"""Rule tests: test cases as data beside each ruleset (``<id>.tests.yaml``), run through the real engine.

``schema`` (the file format), ``suite`` (loading and checking a file, with ``file:line`` errors),
``runner`` (running cases, matching results, explaining failures), ``coverage``, ``report`` (text, JSON,
JUnit), ``lint`` (``mipr rules lint``), ``mutate`` (parameter mutations for the threshold test).
"""
