"""Rule tests: test cases as data beside each ruleset (``<id>.tests.yaml``), run through the real engine.

``schema`` (the file format and its JSON Schema), ``suite`` (loading and checking a file, with ``file:line``
errors), ``given`` (facts given directly), ``runner`` (running cases, matching results, explaining
failures), ``coverage``, ``report`` (text, JSON, JUnit), ``session`` (one run, as ``mipr rules test`` and
the pytest plugin do it), ``keyword`` (``-k``), ``examples`` (for ``mipr rules explain``), ``lint``
(``mipr rules lint``) and ``mutate`` (parameter mutations for the threshold test).
"""
