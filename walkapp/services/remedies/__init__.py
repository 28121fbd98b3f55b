"""Remedies: what a walk's findings lead to, from the closing meeting to the re-walk.

The modules, by responsibility (import the one you use; this package re-exports nothing):

- ``access``: who asks about a remedy (a user's Actor, or a browser holding a contractor link).
- ``catalogue``: the catalogue of typical remedies (templates) and the principles.
- ``closing``: the closing meeting: numbered spots, merges, suggestions, creating remedies.
- ``lifecycle``: loading a remedy for someone, edits, status moves (every one through the
  transition table in ``walkapp.domain.remedies``) and re-walk verdicts.
- ``photos``: before and after photos (stored by ``walkapp.services.photos``, like spot photos)
  and who may see them.
- ``queries``: lists and filters, the GeoJSON features, Mine opgaver, the follow-up board, and
  what the remedy pages show.
- ``contractor``: account-free contractor links and what their holders may do.
"""
