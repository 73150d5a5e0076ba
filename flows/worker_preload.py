"""Imported by the extraction pool's fork server only: what every worker needs, loaded once.

Workers fork from the fork server, so what it holds they start with: the extractors' modules
and the language model, which would otherwise load lazily (about 1.7 s) in each worker.
"""

import py3langid

import newslake.flows.workers  # the worker's code and everything it imports
import newslake.transforms.claims.finding  # noqa: F401  (claims are found on workers too)

py3langid.classify("warm up")
