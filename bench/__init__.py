"""Benchmarks of the service desk on a million complaints: ``make bench`` (bench/README.md).

Not part of the test run; uses its own database (servicedesk_bench by default).
"""
