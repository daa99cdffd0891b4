"""Helpers shared by the tests (no tests here): import them as ``tests._support.<module>``.

- ``aioresponses_shim``: ``MockAPI``, aioresponses working with aiohttp 3.14 (unit tests).
- ``spec_validation``: jsonschema checks of bodies against the verbatim spec (emulator, e2e,
  contract, reliability, unit).
- ``spec_instances``: Hypothesis strategies of schema-valid instances of the spec's schemas (unit).
- ``emulator_api``: ``API``, a raw HTTP client of the emulator that checks every response.
- ``inspector``: fetch and parse the inspector's pages, seed every kind of item.
- ``serve_process``: the emulator as a real subprocess (CLI and crash tests).
- ``cli``: run the CLI's ``main`` in-process, build and compare export files.
- ``contract``: a running Prism and the recording proxy in front of it.
- ``fault_server``: a scripted loopback server for fault tests over real sockets (faults,
  reliability).
- ``sessions``: ``SessionProbe``, a ``session_factory`` that looks into a client's connection pool
  (faults, e2e, reliability, unit).
- ``reliability``: scale, figures and a live emulator with mixed faults (reliability suite).
"""
