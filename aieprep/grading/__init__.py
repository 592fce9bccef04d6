"""``aieprep grade WEEK``: autograde every collected submission of a week, several at a time, sandboxed.

For each ``submitted/<student>/<week>/<week>.ipynb`` (nbgrader's ``collect`` puts them there), the steps,
each a module of its own:

1. **Read and check** it (:mod:`.rebuild`): invalid JSON, no notebook or a misnamed one, or a kernel other
   than Python is a per-student error; everyone else is still graded.
2. **Rebuild** it from the course's copy (:mod:`.rebuild`): the learner's code in the answer cells, the
   course's everything else.
3. **Execute** it (:mod:`.execute`) in a sandboxed kernel (:mod:`.sandbox`) while the judge (:mod:`.judge`)
   runs each test cell; they talk over :mod:`aieprep.runtime.wire`.
4. **Record** the result (:mod:`.record`) with nbgrader's own preprocessors in the course gradebook.
5. **Report** (:mod:`.report`): a table on the terminal, ``reports/<week>/grades.csv`` and ``index.html``.

Limits, preloads and environment come from the week's profile (:mod:`.profile`).

The run itself is :func:`aieprep.grading.pipeline.grade_week`. This package file imports nothing: the judge
(``python -m aieprep.grading.judge``) starts without loading the grader.
"""
