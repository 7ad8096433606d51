"""inverse.solve_many: several questions of one use case in lockstep give exactly what
one solve() per question gives, derivations included."""

from test_sweep import uc, user_dir  # noqa: F401  (fixtures: the test-download use case)

from ammt_calc.engine.inverse import solve, solve_many
from ammt_calc.units import registry as units


def test_lockstep_equals_one_question_at_a_time(uc):  # noqa: F811
    target = units.parse_quantity("500 Mbit/s")
    # model_size is derived from num_params x bits_per_param, so those three are evaluated apart;
    # latency, setup_time and share share evaluations
    questions = [(name, "cell_share_rate", target)
                 for name in ("model_size", "num_params", "bits_per_param", "latency", "setup_time", "share")]
    together = solve_many(uc, questions)
    for (name, kpi, goal), solution in zip(questions, together):
        alone = solve(uc, name, kpi, goal)
        assert (solution.parameter, solution.message) == (alone.parameter, alone.message)
        assert (solution.quantity is None) == (alone.quantity is None)
        if alone.quantity is not None:
            assert solution.quantity.magnitude == alone.quantity.magnitude, name
            assert solution.quantity.units == alone.quantity.units
    # by hand: cell_share_rate = model_size / (latency - setup) x share = 138 MByte x 8 / 1 s x 0.5 = 552 Mbit/s,
    # so 500 Mbit/s needs latency = 1104 / 1000 s = 1.104 s, or model_size = 500 / 0.5 / 8 MByte = 125 MByte
    found = {s.parameter: s.quantity for s in together}
    assert abs(found["latency"].to("s").magnitude - 1.104) < 1e-9
    assert abs(found["model_size"].to("MByte").magnitude - 125) < 1e-9
