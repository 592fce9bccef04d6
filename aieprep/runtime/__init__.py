"""What runs inside a learner's kernel: the test helpers (:mod:`.testing`), the course model and its client
(:mod:`.llm`), timing and plots (:mod:`.measure`), the self-check cell (:mod:`.check`), the practice tools
(:mod:`.practice`: timers, flashcards, progress), and the notebook's side of grading (:mod:`.kernel`,
:mod:`.agent`, and :mod:`.wire`, the protocol the judge speaks).

Nothing here imports the tooling (:mod:`aieprep.grading`, :mod:`aieprep.check`, nbgrader, nbconvert): a test
says so. The judge imports :mod:`.testing` and :mod:`.wire` from here, never the other way round.
"""
