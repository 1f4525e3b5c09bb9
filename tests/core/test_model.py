"""The additive model: compiled stumps score exactly like the LightGBM forest they came from."""

import numpy as np

from worker.core.model import AdditiveModel, sigmoid
from worker.learn.boosting import compile_stumps, fit_additive


def test_lookup_follows_lightgbm_split_convention() -> None:
    # x <= threshold goes left: a value equal to an edge belongs to the interval it closes.
    model = AdditiveModel(("a", "b"), 0.5, ((0.0, 1.0), (2.0,)), ((1.0, 2.0, 3.0), (10.0, 20.0)))
    features = np.array([[-1.0, 2.0], [0.0, 2.5], [0.5, 3.0], [5.0, -9.0]])
    assert model.contributions(features).tolist() == [[1, 10], [1, 20], [2, 20], [3, 10]]
    assert model.logits(features).tolist() == [11.5, 21.5, 22.5, 13.5]


def test_compiled_stumps_equal_the_booster_raw_scores() -> None:
    import lightgbm  # a training dependency, installed by `.[dev]`

    rng = np.random.default_rng(7)
    features = rng.normal(size=(3000, 4)).astype(np.float32)
    labels = ((features[:, 0] + features[:, 1] ** 2 - features[:, 2]) > 0.5).astype(np.int8)
    weights = np.ones(len(labels))
    names = ("w", "x", "y", "z")
    model = fit_additive(features, labels, weights, names, rounds=60, learning_rate=0.2)
    params = {"objective": "binary", "max_depth": 1, "num_leaves": 2, "learning_rate": 0.2}
    params |= {"min_data_in_leaf": 50, "lambda_l2": 1.0, "max_bin": 63, "verbose": -1}
    params |= {"deterministic": True, "force_row_wise": True, "seed": 20261124, "num_threads": 2}
    booster = lightgbm.train(params, lightgbm.Dataset(features, labels, weight=weights), 60)
    probe = rng.normal(size=(500, 4)).astype(np.float32)
    np.testing.assert_allclose(
        model.logits(probe), booster.predict(probe, raw_score=True), atol=1e-9
    )
    recompiled = compile_stumps(booster.dump_model(), names)
    np.testing.assert_allclose(recompiled.logits(probe), model.logits(probe), atol=1e-12)


def test_round_trips_through_json() -> None:
    model = AdditiveModel(("a",), -0.25, ((0.5,),), ((1.0, -1.0),))
    again = AdditiveModel.from_json(model.to_json())
    probe = np.array([[0.0], [0.5], [0.6]])
    assert again.logits(probe).tolist() == model.logits(probe).tolist() == [0.75, 0.75, -1.25]


def test_sigmoid_is_bounded_for_extreme_logits() -> None:
    scores = sigmoid(np.array([-1e6, 0.0, 1e6]))
    assert scores[0] >= 0.0 and scores[1] == 0.5 and scores[2] <= 1.0
