"""The codes compiled loops branch on, numbered once: import them, never write the numbers.

* :class:`Alg`: the algorithm of a linear-control fused loop (``control_run_tpl``,
  ``nstep_sarsa_tpl``);
* :class:`Trace`: the eligibility-trace kind of the linear control and prediction kernels
  (S&B 12.1, 12.7);
* :class:`PredMethod`: the method of the compiled random-walk prediction population
  (``fastfa.kernels.linear.prediction_pop``).

Inside ``@njit`` code use the plain ``int`` constants below (module globals are frozen as
compile-time constants); from Python, the ``*_CODES`` dicts map the public names (an agent's
``config.trace``, ``run_population``'s ``algorithm=``) to them.  Environments have no codes: a fused
loop is specialised on an env's functions (``fastfa.kernels.loops.specialise``).
"""

from enum import IntEnum


class Alg(IntEnum):
    """Linear control algorithm of a fused loop."""

    SARSA = 0
    EXPECTED_SARSA = 1
    Q_LEARNING = 2
    SARSA_LAMBDA = 3
    TRUE_ONLINE = 4
    NSTEP_SARSA = 5


class Trace(IntEnum):
    """Eligibility-trace kind (S&B 12.1 accumulating, 12.7 replacing)."""

    ACCUMULATE = 0
    REPLACE = 1
    REPLACE_CLEAR = 2  # replacing, and clear the other actions' traces of the same features (S&B 12.7)


class PredMethod(IntEnum):
    """Method of the compiled random-walk prediction population."""

    MC = 0  # gradient Monte Carlo (S&B 9.3)
    NSTEP = 1  # n-step semi-gradient TD (9.4); n = 1 is TD(0)
    TDL_ACC = 2  # TD(λ), accumulating traces (12.2)
    TDL_REP = 3  # TD(λ), replacing traces (12.7)
    TRUE_ONLINE = 4  # true online TD(λ) (12.5)
    LAMBDA_RETURN = 5  # offline λ-return (12.1)


# plain ints for @njit code
ALG_SARSA, ALG_EXPECTED_SARSA, ALG_Q_LEARNING = int(Alg.SARSA), int(Alg.EXPECTED_SARSA), int(Alg.Q_LEARNING)
ALG_SARSA_LAMBDA, ALG_TRUE_ONLINE, ALG_NSTEP_SARSA = int(Alg.SARSA_LAMBDA), int(Alg.TRUE_ONLINE), int(Alg.NSTEP_SARSA)
ACCUMULATE, REPLACE, REPLACE_CLEAR = int(Trace.ACCUMULATE), int(Trace.REPLACE), int(Trace.REPLACE_CLEAR)
MC, NSTEP, TDL_ACC, TDL_REP = (
    int(PredMethod.MC),
    int(PredMethod.NSTEP),
    int(PredMethod.TDL_ACC),
    int(PredMethod.TDL_REP),
)
TRUE_ONLINE, LAMBDA_RETURN = int(PredMethod.TRUE_ONLINE), int(PredMethod.LAMBDA_RETURN)

#: public algorithm names -> :class:`Alg`
ALG_CODES = {
    "sarsa": ALG_SARSA,
    "expected_sarsa": ALG_EXPECTED_SARSA,
    "q_learning": ALG_Q_LEARNING,
    "sarsa_lambda": ALG_SARSA_LAMBDA,
    "true_online_sarsa_lambda": ALG_TRUE_ONLINE,
    "nstep_sarsa": ALG_NSTEP_SARSA,
}
#: public trace names -> :class:`Trace` (agents' configs say "accumulating"; run_population
#: historically says "accumulate": both spellings are accepted everywhere)
TRACE_CODES = {
    "accumulating": ACCUMULATE,
    "replacing": REPLACE,
    "replacing_clear": REPLACE_CLEAR,
    "accumulate": ACCUMULATE,
    "replace": REPLACE,
    "replace_clear": REPLACE_CLEAR,
}
#: public prediction-method names -> :class:`PredMethod`
PRED_CODES = {
    "mc": MC,
    "nstep": NSTEP,
    "td_lambda_acc": TDL_ACC,
    "td_lambda_rep": TDL_REP,
    "true_online": TRUE_ONLINE,
    "lambda_return": LAMBDA_RETURN,
}


class PGAlg(IntEnum):
    """Algorithm of the fused policy-gradient loop (``fastfa.kernels.loops.pg_env_loop``)."""

    REINFORCE = 0  # S&B 13.3
    REINFORCE_BASELINE = 1  # 13.4
    ACTOR_CRITIC = 2  # 13.5, one-step
    QAC = 3  # Q actor-critic: linear Q_w(s, a) by Sarsa(0) as critic (softmax only)
    ACTOR_CRITIC_TRACES = 4  # 13.5, with eligibility traces λ^θ, λ^w (softmax or Gaussian)


PG_REINFORCE, PG_REINFORCE_BASELINE, PG_ACTOR_CRITIC, PG_QAC, PG_AC_TRACES = (
    int(PGAlg.REINFORCE),
    int(PGAlg.REINFORCE_BASELINE),
    int(PGAlg.ACTOR_CRITIC),
    int(PGAlg.QAC),
    int(PGAlg.ACTOR_CRITIC_TRACES),
)
