"""Benchmarks: what each mode of differentiation costs, and what ad_tutorial costs.

``ad-tutorial bench`` (or ``python -m ad_tutorial.bench``) runs them side by side:

1. ``gradient``  one gradient of the seed example, by hand and with every torch API;
2. ``traces``    µs per node of recording and of each sweep on big random traces;
3. ``jacobian``  a full Jacobian by tangent sweeps and by adjoint sweeps, n, m = 1 … 1000;
4. ``startup``   ``ad-tutorial trace`` as a process against ``import torch``;
5. ``figures``   rendering every figure against a plain script of the tutorial's 14.

The package is imported by the command line to build its parser, so it imports
nothing here: ``bench.suite`` has the registry, ``bench.jacobian.save_jacobian_cost``
draws the Jacobian figure.
"""
