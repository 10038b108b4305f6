"""The Jacobian-cost data of one full `ad-tutorial bench` run, kept for the figures registry.

A figure must come out byte-identical on every run, which live timings never do; so the
registered plot is drawn from these recorded medians (seconds per full Jacobian),
measured on a 2-core machine with Python 3.11.7 and torch 2.13.0+cpu.
Regenerate with `ad-tutorial bench --only jacobian --json FILE`.
"""

JACOBIAN_COST: dict[str, dict[str, list[float]]] = {
    "f: Rⁿ → R": {
        "sizes": [1, 3, 10, 30, 100, 300, 1000],
        "tangent sweeps": [1.59e-05, 3.26e-05, 0.000111, 0.000547, 0.00485, 0.0369, 0.453],
        "adjoint sweeps": [1.51e-05, 2.51e-05, 6.13e-05, 0.000181, 0.000561, 0.00166, 0.00552],
        "vector mode": [3.15e-05, 5.32e-05, 0.000118, 0.000494, 0.00112, 0.00376, 0.0188],
        "torch.func.jacfwd": [0.000666, 0.000574, 0.000558, 0.000941, 0.000742, 0.000909, 0.00653],
        "torch.func.jacrev": [0.000535, 0.000249, 0.000261, 0.000253, 0.000314, 0.000333, 0.00025],
    },
    "g: R → Rᵐ": {
        "sizes": [1, 3, 10, 30, 100, 300, 1000],
        "tangent sweeps": [8.65e-06, 1.54e-05, 3.83e-05, 0.000102, 0.000332, 0.0011, 0.00333],
        "adjoint sweeps": [9.96e-06, 2.16e-05, 7.28e-05, 0.00028, 0.00101, 0.00569, 0.0492],
        "vector mode": [2.32e-05, 3.71e-05, 7.69e-05, 0.000225, 0.000707, 0.00236, 0.0124],
        "torch.func.jacfwd": [0.000542, 0.000541, 0.00055, 0.000758, 0.000668, 0.00101, 0.00104],
        "torch.func.jacrev": [0.000233, 0.000231, 0.000246, 0.000254, 0.000312, 0.000616, 0.0064],
    },
}
