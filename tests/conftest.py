"""The test suite's one hypothesis profile.

No deadline: a drawn example may build a graph, run backward and finite differences, and the
machine may be shared, so timing is never a test's business (speed lives in benchmarks/).  Each
property still sets its own ``max_examples``, sized to what one example costs.
"""

from hypothesis import settings

settings.register_profile("autograd_lite", deadline=None)
settings.load_profile("autograd_lite")
