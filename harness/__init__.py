"""Tools that both the tests and the benchmarks use: a real service process on a free port,
and raw HTTP over a socket. Not test code itself, so `bench/` may import it."""
