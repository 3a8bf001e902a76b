"""Benchmarks: the service against a bare FastAPI endpoint under wrk, batch throughput, start to
ready, and in-process model speed. `make bench` runs them (`python -m bench`); `bench/soak.py`
is the long-running soak test."""
