"""The Jacobian-cost data of one full `ad-tutorial bench` run, kept for the figures registry.

A figure must come out byte-identical on every run, which live timings never do; so the
registered plot is drawn from these recorded medians (seconds per full Jacobian),
measured on a 2-core machine with Python 3.11.7 and torch 2.13.0+cpu.
Regenerate with `ad-tutorial bench --only jacobian --json FILE`.
"""

JACOBIAN_COST: dict[str, dict[str, list[float]]] = {
    "f: Rⁿ → R": {
        "sizes": [1, 3, 10, 30, 100, 300, 1000],
        "tangent sweeps": [2.58e-05, 3.44e-05, 0.000135, 0.000571, 0.0047, 0.038, 0.453],
        "adjoint sweeps": [1.48e-05, 2.71e-05, 7.17e-05, 0.000192, 0.000622, 0.00185, 0.00709],
        "torch.func.jacfwd": [0.000496, 0.000559, 0.00057, 0.000525, 0.000571, 0.000735, 0.00382],
        "torch.func.jacrev": [0.00023, 0.000237, 0.000243, 0.000227, 0.000242, 0.000248, 0.000243],
    },
    "g: R → Rᵐ": {
        "sizes": [1, 3, 10, 30, 100, 300, 1000],
        "tangent sweeps": [9.34e-06, 2.37e-05, 4.61e-05, 0.000123, 0.000401, 0.00122, 0.00428],
        "adjoint sweeps": [1.02e-05, 3.05e-05, 6.95e-05, 0.000231, 0.00114, 0.00718, 0.0671],
        "torch.func.jacfwd": [0.000505, 0.000658, 0.000674, 0.000519, 0.000523, 0.000541, 0.000563],
        "torch.func.jacrev": [0.000235, 0.000346, 0.000231, 0.000226, 0.000244, 0.000339, 0.00223],
    },
}
