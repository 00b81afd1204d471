"""Repository-root conftest: test the *installed* fastfa, never the source folder.

`python -m pytest` puts the current directory on sys.path, so `import fastfa` would pick up the
source tree's fastfa/ (which has no compiled fastfa.kernels) instead of the installed package.
"""

import os
import sys

_ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _ROOT]
