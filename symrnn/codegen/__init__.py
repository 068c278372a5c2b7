"""Generated NumPy code: the planner and renderer (generate), the helpers a module defines
(runtime), the mapping to torch.nn (torch_map) and numeric verification against oracles (verify).
"""
