"""The Albertslund demo data that `make run` loads on first start (``flask seed-demo``).

Not a use case: ``seed`` (organisations, users of every role, areas, a done and a planned walk
with spots and photos) and ``remedies`` (remedies in every status and a planned re-walk) call
the services as users would. The CLI (``walkapp.cli.demo``) is its only caller besides tests.
"""
