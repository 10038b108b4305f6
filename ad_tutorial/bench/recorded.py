"""The Jacobian-cost data of one full `ad-tutorial bench` run, kept for the figures registry.

A figure must come out byte-identical on every run, which live timings never do; so the
registered plot is drawn from these recorded medians (seconds per full Jacobian),
measured on a 2-core machine with Python 3.11.7 and torch 2.13.0+cpu.
Regenerate with `ad-tutorial bench --only jacobian --json FILE`.
"""

JACOBIAN_COST: dict[str, dict[str, list[float]]] = {
    "f: Rⁿ → R": {
        "sizes": [1, 3, 10, 30, 100, 300, 1000],
        "tangent sweeps": [2.37e-05, 6.21e-05, 0.000268, 0.00167, 0.0154, 0.137, 1.62],
        "adjoint sweeps": [2.23e-05, 4.02e-05, 0.0001, 0.000291, 0.00095, 0.0028, 0.0106],
        "torch.func.jacfwd": [0.000491, 0.000531, 0.000544, 0.000538, 0.000647, 0.00085, 0.00428],
        "torch.func.jacrev": [0.000239, 0.000249, 0.000242, 0.000245, 0.000247, 0.000256, 0.000278],
    },
    "g: R → Rᵐ": {
        "sizes": [1, 3, 10, 30, 100, 300, 1000],
        "tangent sweeps": [2.63e-05, 4.07e-05, 8.9e-05, 0.00023, 0.000738, 0.00237, 0.00879],
        "adjoint sweeps": [2.77e-05, 5.63e-05, 0.000204, 0.00107, 0.01, 0.0839, 0.984],
        "torch.func.jacfwd": [0.0005, 0.000515, 0.000509, 0.000543, 0.000583, 0.000888, 0.000536],
        "torch.func.jacrev": [0.000229, 0.000246, 0.000231, 0.000252, 0.000255, 0.000399, 0.0024],
    },
}
