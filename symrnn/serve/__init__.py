"""``symrnn serve``: a checker page for a class (Starlette under uvicorn, SQLite, a grading pool).

``questions`` (what is asked), ``preview`` (how an answer is read), ``mathml`` (LaTeX to
whitelisted MathML), ``store`` (submissions in SQLite, WAL), ``grader`` (pending rows graded in
worker processes by ``symrnn.check.grade.grade_rows``), ``guard`` (body, rate and headers),
``app`` (routes), ``export`` (the lecturer's CSV and summary), ``run`` (start-up).
"""
