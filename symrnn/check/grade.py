"""placeholder"""
def grade_csv(*a, **k): raise NotImplementedError
def grade_rows(*a, **k): raise NotImplementedError
