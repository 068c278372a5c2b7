"""The core: what a network is and what is true of it (spec, primitives, cells, unroll, rules,
derive, closed forms, evaluators, proofs). It imports nothing from printing, reports, checking,
exams or code generation (tests/test_layers.py).
"""
