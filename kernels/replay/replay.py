"""Experience replay on preallocated arrays: every kernel, under one name.

* ``ring``: the uniform ring buffer (storage layout, ``replay_add``, uniform sampling);
* ``nstep``: n-step windows cut at terminal / truncated / newest rows;
* ``compact``: each observation stored once;
* ``per``: proportional prioritized replay (sum-tree and min-tree).

Everything is ``@njit`` and usable inside compiled loops (pass the arrays and
the Generator); ``fastfa.buffers`` wraps these kernels with validation.
"""

from .ring import (  # noqa: F401
    replay_add,
    replay_add_batch,
    replay_gather,
    replay_sample_into,
    batch_out,
    replay_sample,
    all_finite,
    replay_add_checked,
)
from .nstep import (  # noqa: F401
    replay_add_nstep,
    replay_nstep_gather,
    replay_sample_nstep_into,
    replay_sample_nstep,
)
from .compact import (  # noqa: F401
    replay_add_compact,
    replay_gather_compact,
    replay_sample_compact_into,
    replay_sample_compact,
)
from .per import (  # noqa: F401
    sumtree_set,
    sumtree_find,
    per_add,
    per_sample_indices,
    per_sample_into,
    per_sample,
    per_update,
    per_add_checked,
    per_update_checked,
)
