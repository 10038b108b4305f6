"""The Jacobian-cost data of one full `ad-tutorial bench` run, kept for the figures registry.

A figure must come out byte-identical on every run, which live timings never do; so the
registered plot is drawn from these recorded medians (seconds per full Jacobian),
measured on a 2-core machine with Python 3.11.7 and torch 2.13.0+cpu.
Regenerate with `ad-tutorial bench --only jacobian --json FILE`.
"""

JACOBIAN_COST: dict[str, dict[str, list[float]]] = {
    "f: Rⁿ → R": {
        "sizes": [1, 3, 10, 30, 100, 300, 1000],
        "tangent sweeps": [2.82e-05, 3.37e-05, 0.00012, 0.000759, 0.00679, 0.0428, 0.408],
        "adjoint sweeps": [2.39e-05, 2.99e-05, 0.000114, 0.000308, 0.000575, 0.00164, 0.0067],
        "vector mode": [3.52e-05, 6.67e-05, 0.000276, 0.000529, 0.00101, 0.00417, 0.0218],
        "torch.func.jacfwd": [0.000866, 0.000726, 0.000897, 0.00113, 0.000767, 0.000737, 0.0051],
        "torch.func.jacrev": [0.000278, 0.000272, 0.000371, 0.000454, 0.000286, 0.000273,
            0.000258],
    },
    "g: R → Rᵐ": {
        "sizes": [1, 3, 10, 30, 100, 300, 1000],
        "tangent sweeps": [9.07e-06, 1.52e-05, 3.88e-05, 0.000118, 0.000337, 0.000953, 0.00354],
        "adjoint sweeps": [9.98e-06, 2.21e-05, 6.73e-05, 0.000234, 0.00105, 0.00551, 0.0478],
        "vector mode": [2.43e-05, 3.64e-05, 8.71e-05, 0.000244, 0.000808, 0.0027, 0.0138],
        "torch.func.jacfwd": [0.000547, 0.000672, 0.000871, 0.000615, 0.000547, 0.000692,
            0.000567],
        "torch.func.jacrev": [0.000279, 0.000269, 0.000257, 0.000281, 0.000267, 0.000447, 0.00321],
    },
}
