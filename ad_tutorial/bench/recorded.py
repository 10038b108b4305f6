"""The Jacobian-cost data of one full `ad-tutorial bench` run, kept for the figures registry.

A figure must come out byte-identical on every run, which live timings never do; so the
registered plot is drawn from these recorded medians (seconds per full Jacobian),
measured on a 2-core machine with Python 3.11.7 and torch 2.13.0+cpu.
Regenerate with `ad-tutorial bench --only jacobian --json FILE`.
"""

JACOBIAN_COST: dict[str, dict[str, list[float]]] = {
    "f: Rⁿ → R": {
        "sizes": [1, 3, 10, 30, 100, 300, 1000],
        "tangent sweeps": [1.59e-05, 3.25e-05, 0.000116, 0.000554, 0.00456, 0.0359, 0.485],
        "adjoint sweeps": [1.5e-05, 2.48e-05, 6.06e-05, 0.000169, 0.000548, 0.00235, 0.00587],
        "vector mode": [3.23e-05, 5.45e-05, 0.000118, 0.000318, 0.00108, 0.00353, 0.0183],
        "torch.func.jacfwd": [0.000588, 0.000539, 0.000542, 0.000653, 0.000663, 0.000816, 0.00466],
        "torch.func.jacrev": [0.000257, 0.000271, 0.000232, 0.000266, 0.0004, 0.00025, 0.000258],
    },
    "g: R → Rᵐ": {
        "sizes": [1, 3, 10, 30, 100, 300, 1000],
        "tangent sweeps": [8.75e-06, 1.5e-05, 3.65e-05, 0.0001, 0.000384, 0.00107, 0.00573],
        "adjoint sweeps": [1.03e-05, 2.28e-05, 6.79e-05, 0.000221, 0.00108, 0.00574, 0.0493],
        "vector mode": [2.47e-05, 3.74e-05, 7.85e-05, 0.000213, 0.000652, 0.00287, 0.0127],
        "torch.func.jacfwd": [0.000496, 0.000546, 0.000516, 0.000601, 0.000603, 0.000783,
            0.000777],
        "torch.func.jacrev": [0.000247, 0.000276, 0.000235, 0.000261, 0.000303, 0.000396, 0.00279],
    },
}
