"""The built-in ``mipr`` commands, one module per verb; each module lists its click commands in ``COMMANDS``
and ``cli.py`` adds them all."""
