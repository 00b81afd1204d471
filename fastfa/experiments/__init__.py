"""Built-in experiments that reproduce textbook figures: ``fastfa list`` / ``fastfa run NAME``.

An experiment is a module in this package that registers itself::

    from fastfa.experiments import Context, Result, experiment

    @experiment("randomwalk-aggregation", "Fig 9.1: gradient MC with state aggregation",
                default_runs=1)
    def run(ctx: Context) -> Result:
        ...
        return Result(table={"run": ..., "x": ..., "metric": ..., "value": ...},
                      metrics={"rmsve": 0.05}, config={...}, env_steps=n, plot=plot_fn)

Parameters are declared (``params=(Int("episodes", 500, "doc", low=1, high=10**5), ...)``,
see :class:`Param`): values given with ``--set`` or ``params=`` are checked before the
run starts and ``ctx.params`` holds the complete, converted dict.  Sweep cells declare
theirs with ``cell_params=``.

The runner (:func:`run_experiment`) times it, writes ``OUT/NAME/results.csv``
(tidy rows), ``summary.json`` (experiment, config, params, seed, versions,
wall_time_s, env_steps, metrics) and the figure ``OUT/NAME/NAME.png`` (a plot
function ends with :func:`save_figure`, which adds the book's values from
``book_values.json`` and a caption line).  Modules are discovered on first use,
not at ``import fastfa``.  See docs/experiments.md.
"""

from __future__ import annotations

from ._base import Context, Experiment, Result, experiment, get, names, run_experiment, write_table
from ._params import Bool, Choice, Float, Int, Param, defaults, describe, resolve, resolve_grid
from ._plot import save_figure

__all__ = [
    "Context",
    "Experiment",
    "Result",
    "experiment",
    "get",
    "names",
    "run_experiment",
    "write_table",
    "Param",
    "Int",
    "Float",
    "Bool",
    "Choice",
    "defaults",
    "describe",
    "resolve",
    "resolve_grid",
    "save_figure",
]
