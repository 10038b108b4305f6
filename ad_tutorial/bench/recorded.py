"""The Jacobian-cost data of one full `ad-tutorial bench` run, kept for the figures registry.

A figure must come out byte-identical on every run, which live timings never do; so the
registered plot is drawn from these recorded medians (seconds per full Jacobian),
measured on a 2-core machine with Python 3.11.7 and torch 2.13.0+cpu.
Regenerate with `ad-tutorial bench --only jacobian --json FILE`.
"""

JACOBIAN_COST: dict[str, dict[str, list[float]]] = {
    "f: Rⁿ → R": {
        "sizes": [1, 3, 10, 30, 100, 300, 1000],
        "tangent sweeps": [1.55e-05, 3.15e-05, 0.000113, 0.000791, 0.00482, 0.039, 0.42],
        "adjoint sweeps": [1.45e-05, 2.41e-05, 9.09e-05, 0.000156, 0.00051, 0.00165, 0.00695],
        "vector mode": [3.3e-05, 4.95e-05, 0.000112, 0.000305, 0.000929, 0.0036, 0.018],
        "torch.func.jacfwd": [0.000493, 0.000549, 0.000547, 0.000801, 0.000628, 0.00153, 0.00811],
        "torch.func.jacrev": [0.000235, 0.000237, 0.000253, 0.000243, 0.00025, 0.000307, 0.00044],
    },
    "g: R → Rᵐ": {
        "sizes": [1, 3, 10, 30, 100, 300, 1000],
        "tangent sweeps": [8.2e-06, 1.39e-05, 3.37e-05, 9.05e-05, 0.000295, 0.000896, 0.00615],
        "adjoint sweeps": [9.55e-06, 2.08e-05, 6.31e-05, 0.000207, 0.000946, 0.00573, 0.0516],
        "vector mode": [2.27e-05, 3.41e-05, 7.52e-05, 0.000213, 0.000624, 0.00322, 0.0184],
        "torch.func.jacfwd": [0.000525, 0.000515, 0.00059, 0.000577, 0.000583, 0.000775, 0.000605],
        "torch.func.jacrev": [0.000229, 0.000234, 0.000383, 0.000236, 0.000267, 0.000363, 0.00605],
    },
}
