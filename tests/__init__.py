"""The test suite; imported before any test module or conftest.py, and so before bot/."""

import sys

# Where PYTHONDONTWRITEBYTECODE is set (this project's machine sets it), every worker would
# compile bot/, storage/ and the rewritten tests again (3 s of its 6 s collection), and every
# process a test starts would compile what it imports. They are kept beside the sources, as
# Python does by default (__pycache__, ignored by git and by .dockerignore), and the processes
# the tests start read them.
sys.dont_write_bytecode = False
