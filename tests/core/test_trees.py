"""The local stage of small trees: compiled from LightGBM exactly, evaluated in C exactly as
its Python reference, and explained by contributions that add up to the logit."""

import numpy as np
import orjson
import pytest
import score_references as reference

from worker.core.segment_model import SegmentModel, local_stage_from_json, shipped_model
from worker.core.trees import TreeEnsemble, compile_trees
from worker.learn.boosting import fit_trees

NAMES = ("w", "x", "y", "z")


def _data(seed: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, 4)).astype(np.float32)
    # An interaction no sum of one-feature steps can express: x counts only where w > 0.
    labels = ((features[:, 0] > 0) & (features[:, 1] > 0.3) | (features[:, 2] > 1.2)).astype(
        np.int8
    )
    return features, labels


def _fitted() -> TreeEnsemble:
    features, labels = _data(7, 3000)
    return fit_trees(features, labels, np.ones(len(labels)), NAMES, 2, 80, 0.2)


def test_compiled_trees_equal_the_booster_raw_scores() -> None:
    import lightgbm  # a training dependency, installed by `.[dev]`

    features, labels = _data(7, 3000)
    params = {"objective": "binary", "max_depth": 2, "num_leaves": 4, "learning_rate": 0.2}
    params |= {"min_data_in_leaf": 50, "lambda_l2": 1.0, "max_bin": 63, "verbose": -1}
    params |= {"deterministic": True, "force_row_wise": True, "seed": 20261124, "num_threads": 2}
    booster = lightgbm.train(params, lightgbm.Dataset(features, labels), 80)
    model = compile_trees(booster.dump_model(), NAMES)
    probe, _ = _data(8, 500)
    np.testing.assert_array_equal(model.logits(probe), booster.predict(probe, raw_score=True))
    assert np.array_equal(_fitted().logits(probe), model.logits(probe))


def test_the_c_loop_equals_its_python_reference_bit_for_bit() -> None:
    model = _fitted()
    probe, _ = _data(9, 300)
    probe[0, 1] = np.nan  # NaN goes right, in both
    probe[1] = model.thresholds[0, 0]  # a value on a threshold goes left
    contributions, logits = model.scores(probe)
    expected_contributions, expected_logits = reference.tree_scores(model, probe)
    assert np.array_equal(contributions, expected_contributions)
    assert np.array_equal(logits, expected_logits)


@pytest.mark.parametrize("rows", [1, 2, 3, 8, 301])
def test_the_c_loop_equals_its_reference_at_any_row_count(rows: int) -> None:
    """The C loop takes rows two at a time, and a last one alone: every row the same bits,
    with the shipped model's 300 trees too (-0.0 and 0.0 told apart)."""
    for model in (_fitted(), shipped_model("text/html").local):
        assert isinstance(model, TreeEnsemble)
        rng = np.random.default_rng(rows)
        probe = rng.normal(size=(rows, len(model.feature_names))).astype(np.float32)
        probe[rng.random(probe.shape) < 0.05] = np.nan
        probe[0, model.features[0, 0]] = model.thresholds[0, 0]
        contributions, logits = model.scores(probe)
        expected_contributions, expected_logits = reference.tree_scores(model, probe)
        assert contributions.tobytes() == expected_contributions.tobytes()
        assert logits.tobytes() == expected_logits.tobytes()


def test_a_leaf_above_depth_two_is_made_whole() -> None:
    # A stump: its two sides are leaves, each split into two copies of itself.
    stump = {"split_feature": 1, "threshold": 0.5, "decision_type": "<=", "internal_value": 0.1}
    stump |= {"left_child": {"leaf_value": 1.0}, "right_child": {"leaf_value": -2.0}}
    bare = {"leaf_value": 0.25}  # a tree that is one leaf
    model = compile_trees(
        {"tree_info": [{"tree_structure": stump}, {"tree_structure": bare}]}, NAMES
    )
    assert model.leaves.tolist() == [[1.0, 1.0, -2.0, -2.0], [0.25] * 4]
    probe = np.array([[0, 0.5, 0, 0], [0, 0.6, 0, 0]], dtype=np.float32)
    contributions, logits = model.scores(probe)
    assert logits.tolist() == [1.25, -1.75]
    np.testing.assert_allclose(contributions[:, 1], [0.9, -2.1])
    assert not contributions[:, [0, 2, 3]].any()


def test_trees_deeper_than_two_are_refused() -> None:
    deep = {"split_feature": 0, "threshold": 0.0, "internal_value": 0.0}
    deep |= {"left_child": {"leaf_value": 1.0}, "right_child": {"leaf_value": 2.0}}
    middle = {"split_feature": 1, "threshold": 0.0, "internal_value": 0.0}
    middle |= {"left_child": deep, "right_child": {"leaf_value": 3.0}}
    root = {"split_feature": 2, "threshold": 0.0, "internal_value": 0.0}
    root |= {"left_child": middle, "right_child": {"leaf_value": 4.0}}
    with pytest.raises(ValueError, match="deeper than 2"):
        compile_trees({"tree_info": [{"tree_structure": root}]}, NAMES)


def test_contributions_and_bias_add_up_to_the_logit() -> None:
    model = _fitted()
    probe, _ = _data(10, 400)
    contributions, logits = model.scores(probe)
    np.testing.assert_allclose(model.bias + contributions.sum(axis=1), logits, atol=1e-6)
    # The interaction is learned: w and x both carry weight.
    assert np.abs(contributions[:, 0]).max() > 0.5 and np.abs(contributions[:, 1]).max() > 0.5


def test_round_trips_through_json_as_a_local_stage() -> None:
    model = _fitted()
    again = local_stage_from_json(orjson.loads(orjson.dumps(model.to_json())))
    assert isinstance(again, TreeEnsemble)
    probe, _ = _data(11, 200)
    assert np.array_equal(again.logits(probe), model.logits(probe))


def test_a_split_on_a_missing_feature_is_refused() -> None:
    with pytest.raises(ValueError, match="feature the model does not have"):
        TreeEnsemble(("x",), [[0, 0, 1]], [[0.0] * 3], [[0.0] * 3], [[0.0] * 4])
    model = TreeEnsemble(("x",), [[0, 0, 0]], [[0.0] * 3], [[0.0] * 3], [[0.0] * 4])
    model.features[0, 2] = 7  # past the checks of the constructor: the C loop's own check
    with pytest.raises(ValueError, match="column 7 of 1"):
        model.scores(np.zeros((1, 1), dtype=np.float32))


def test_a_format_3_model_of_stumps_still_reads() -> None:
    document = orjson.loads(shipped_model("text/plain").to_json())
    document["format"] = "chaff.segment-model/3"
    model = SegmentModel.from_json(orjson.dumps(document))
    assert model.local.to_json() == shipped_model("text/plain").local.to_json()
