"""Benchmarks: what each mode of differentiation costs, and what ad_tutorial costs.

``ad-tutorial bench`` (or ``python -m ad_tutorial.bench``) runs them side by side:

1. ``gradient``  one gradient of the seed example, by hand and with every torch API;
2. ``traces``    µs per node of recording and of each sweep on big random traces;
3. ``jacobian``  a full Jacobian by tangent sweeps and by adjoint sweeps, n, m = 1 … 1000,
                 and by one sweep in vector mode;
4. ``arrays``    the tutorial's vector cells 45 and 46 by hand and with torch, and a Jacobian
                 of f: R¹⁰⁰⁰ → R on arrays in vector mode against torch.func.jacrev;
5. ``network``   one training step of the lesson's network, by hand and with torch;
6. ``startup``   ``ad-tutorial trace`` as a process against ``import torch``;
7. ``figures``   rendering every figure against a plain script of the tutorial's 14.

The package is imported by the command line to build its parser, so it imports
nothing here: ``bench.suite`` has the registry, ``bench.jacobian.save_jacobian_cost``
draws the Jacobian figure.
"""
