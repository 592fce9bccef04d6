"""nbgrader settings of the learner's lab (`make lab`), which runs in the learner's folder: the course's own."""

import os

c = get_config()  # type: ignore[name-defined]  # noqa: F821 (provided by traitlets when it loads this file)
load_subconfig("nbgrader_config.py", path=os.environ["AIEPREP_COURSE_ROOT"])  # type: ignore[name-defined]  # noqa: F821
