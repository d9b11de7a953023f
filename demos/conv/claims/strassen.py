"""Claims of the Strassen lab: 7 products instead of 8 per level, error that grows with depth, and no speed-up
over the library here."""

from __future__ import annotations

from demos.claims import ClaimSpec, Context, Outcome, outcome

SPECS = (
    ClaimSpec(
        "seven-of-eight",
        ("strassen-algorithm",),
        "Each level of Strassen's recursion does 7 block products where the schoolbook split does 8: counted in "
        "the real runs, its scalar multiplications are (7/8)^depth of the schoolbook's at every depth.",
    ),
    ClaimSpec(
        "error-grows-with-depth",
        ("strassen-algorithm",),
        "Strassen's float32 error against float64 grows with the recursion depth (more than doubling from depth 0 "
        "to 3), while the schoolbook split with the same leaves stays at the library's level.",
    ),
    ClaimSpec(
        "library-is-faster",
        ("strassen-algorithm", "gpus-for-deep-learning"),
        "The library's matrix multiply is faster than this Strassen at every size timed (64 × 64 leaves): the "
        "saved multiplications do not pay for 18 block additions per level and the extra memory traffic.",
    ),
)


def measure(ctx: Context) -> dict[str, Outcome]:
    from demos.conv.records import strassen_point

    n = 512 if ctx.full else 256
    depth_points = [strassen_point(n, n >> depth, ctx.device, repeat=1, seed=ctx.seed) for depth in range(4)]
    ratios = [p["strassen"]["multiplications"] / p["blocked"]["multiplications"] for p in depth_points]
    exact = all(abs(r - (7 / 8) ** d) < 1e-12 for d, r in enumerate(ratios))
    s_err = [p["strassen"]["error"] for p in depth_points]
    b_err = [p["blocked"]["error"] for p in depth_points]
    lib_err = depth_points[0]["library"]["error"]
    sizes = (128, 256, 512, 1024) if ctx.full else (128, 256, 512)
    timed = [strassen_point(size, 64, ctx.device, repeat=3, seed=ctx.seed) for size in sizes]
    return {
        "seven-of-eight": outcome(
            exact,
            n=n,
            multiplication_ratio_by_depth=[round(r, 6) for r in ratios],
            leaf_products_by_depth=[p["strassen"]["leaf_products"] for p in depth_points],
        ),
        "error-grows-with-depth": outcome(
            s_err[3] > 2 * s_err[0] and max(b_err) <= 2 * lib_err,
            n=n,
            strassen_error_depth_0=s_err[0],
            strassen_error_depth_3=s_err[3],
            schoolbook_worst_error=max(b_err),
            library_error=lib_err,
        ),
        "library-is-faster": outcome(
            all(p["library"]["ms"] < p["strassen"]["ms"] for p in timed),
            sizes=list(sizes),
            library_speedup_at_least=round(min(p["strassen"]["ms"] / p["library"]["ms"] for p in timed), 2),
            strassen_ms=[p["strassen"]["ms"] for p in timed],
            library_ms=[p["library"]["ms"] for p in timed],
        ),
    }
