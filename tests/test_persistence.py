"""Saving and loading with skops.io: plain-data states, and crafted files refused.

Every skcontrast estimator's persisted state is plain data (parameters, NumPy
arrays, lists and dicts of str/int/float), so ``skops.io`` lists only
skcontrast's own estimator classes as untrusted, and a file that hides code in
a field meant for data is refused before anything in it runs.
"""

from __future__ import annotations

import io
import json
import pickle
import sys
import warnings
import zipfile
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast.embed import ContrastiveEmbedder
from skcontrast.featurize import MorganFeaturizer
from skcontrast.neighbors import CosineRetriever

sio = pytest.importorskip("skops.io", reason="skops is an optional extra (skcontrast[skops])")
_exceptions = pytest.importorskip("skops.io.exceptions")
UntrustedTypesFoundException = _exceptions.UntrustedTypesFoundException

EMBEDDER = "skcontrast.embed._embedder.ContrastiveEmbedder"
JITTER = "skcontrast.augment._conditions.ConditionJitter"
BITS = "skcontrast.augment._bits.BitDropout"
MORGAN = "skcontrast.featurize._morgan.MorganFeaturizer"
RETRIEVER = "skcontrast.neighbors._retriever.CosineRetriever"
SMILES = ["CCO", "CCN", "c1ccccc1", "CC(=O)O", "CCCC", "CCOC", "c1ccncc1", "CC(C)O"]

#: Set by a payload if it ever runs; each test asserts it stays empty.
RAN: list[str] = []


def _record_run(what: str) -> None:
    RAN.append(what)


class _Payload:
    """Pickles to a call of ``_record_run``: what a crafted weights blob would carry."""

    def __reduce__(self):
        return (_record_run, ("pickle payload",))


@pytest.fixture(autouse=True)
def _nothing_ran():
    RAN.clear()
    yield
    assert RAN == []


def _embedder(**kw) -> ContrastiveEmbedder:
    params = dict(
        n_components=4,
        hidden_dims=(8,),
        projection_dim=4,
        max_epochs=2,
        batch_size=16,
        device="cpu",
        random_state=0,
    )
    return ContrastiveEmbedder(**{**params, **kw})


def _fit(estimator, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the chance-level warning
        return estimator.fit(*args)


def _records(n=40):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "smiles": (SMILES * n)[:n],
            "temperature": rng.normal(size=n),
            "pressure": rng.normal(size=n),
        }
    )
    return frame, np.arange(n) % 2


def _pipeline():
    """ColumnTransformer(StandardScaler, MorganFeaturizer), embedder, LogisticRegression."""
    columns = ColumnTransformer(
        [
            ("conditions", StandardScaler(), ["temperature", "pressure"]),
            ("fingerprint", MorganFeaturizer(n_bits=64), "smiles"),
        ]
    )
    return make_pipeline(columns, _embedder(), LogisticRegression())


def _fitted_embedder():
    X = np.random.default_rng(0).normal(size=(40, 4))
    return _fit(_embedder(), X), X


# ----------------------------------------------------------------------- honest files
def test_pipeline_lists_only_skcontrast_estimators_and_predicts_identically():
    X, y = _records()
    pipe = _fit(_pipeline(), X, y)
    data = sio.dumps(pipe)
    # augmenter="auto": BitDropout on the 64 bits, ConditionJitter on the two conditions
    assert sio.get_untrusted_types(data=data) == [BITS, JITTER, EMBEDDER, MORGAN]
    loaded = sio.loads(data, trusted=[BITS, JITTER, EMBEDDER, MORGAN])
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    np.testing.assert_array_equal(loaded[:-1].transform(X), pipe[:-1].transform(X))
    assert loaded[1].score(pipe[0].transform(X)) == pipe[1].score(pipe[0].transform(X))


def test_the_persisted_state_is_plain_data():
    """No bytes, torch object, skorch object or function anywhere in the embedder's state."""
    emb, _ = _fitted_embedder()
    state = emb.__getstate__()
    assert "net_" not in state and "history_" not in state

    def walk(value, where):
        if isinstance(value, dict):
            for key, item in value.items():
                assert type(key) is str, where
                walk(item, f"{where}[{key!r}]")
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, f"{where}[{i}]")
        elif isinstance(value, np.ndarray):
            assert value.dtype.kind in "biuf", where
        elif where.startswith("state['augmenter_']"):
            assert type(value).__name__ == "ConditionJitter"
        else:
            assert type(value) in (str, int, float, bool, type(None)), (where, type(value))

    walk(state, "state")
    net = state["_net_state"]
    assert net["module"]["net.0.weight"].shape == (8, 4)
    assert set(net["optimizer"]["state"]["0"]) == {"exp_avg", "exp_avg_sq", "step"}
    assert net["generators"]["views/cpu"].dtype == np.uint8


def test_partial_fit_after_loading_continues_exactly():
    emb, X = _fitted_embedder()
    data = sio.dumps(emb)
    loaded = sio.loads(data, trusted=[JITTER, EMBEDDER])
    for model in (emb, loaded):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            model.partial_fit(X)
    np.testing.assert_array_equal(loaded.transform(X), emb.transform(X))
    assert loaded.score(X) == emb.score(X)
    keys = ("epoch", "train_loss", "train_loss_best", "train_batch_count")
    assert [[e[k] for k in keys] for e in loaded.history_] == [
        [e[k] for k in keys] for e in emb.history_
    ]
    # the optimizer continued with its moments (a fresh Adam would differ)
    state, saved = loaded.net_.optimizer_.state_dict(), emb.net_.optimizer_.state_dict()
    assert float(state["state"][0]["step"]) == float(saved["state"][0]["step"]) == 12.0


def test_loading_changes_no_global_random_stream():
    emb, _ = _fitted_embedder()
    data = sio.dumps(emb)
    torch.manual_seed(1234)
    expected = torch.rand(3)
    torch.manual_seed(1234)
    sio.loads(data, trusted=[JITTER, EMBEDDER])
    torch.testing.assert_close(torch.rand(3), expected, rtol=0, atol=0)


def test_retriever_lists_only_itself_and_finds_the_same_neighbours():
    X = np.random.default_rng(0).normal(size=(30, 5)).astype(np.float32)
    retriever = CosineRetriever(n_neighbors=3).fit(X)
    data = sio.dumps(retriever)
    assert sio.get_untrusted_types(data=data) == [RETRIEVER]
    loaded = sio.loads(data, trusted=[RETRIEVER])
    assert loaded._fit_dtype == np.float32
    for got, expected in zip(loaded.kneighbors(), retriever.kneighbors(), strict=True):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(loaded.kneighbors(X[:4])[1], retriever.kneighbors(X[:4])[1])


def test_tanimoto_retriever_lists_only_itself_and_pickles_byte_identically():
    rng = np.random.default_rng(0)
    bits = (rng.random((30, 64)) < 0.2).astype(np.uint8)
    retriever = CosineRetriever(n_neighbors=3, metric="tanimoto").fit(bits)
    data = sio.dumps(retriever)
    assert sio.get_untrusted_types(data=data) == [RETRIEVER]  # no scipy class
    loaded = sio.loads(data, trusted=[RETRIEVER])
    pairs = zip(loaded.kneighbors(bits[:4]), retriever.kneighbors(bits[:4]), strict=True)
    for got, expected in pairs:
        np.testing.assert_array_equal(got, expected)
    blob = pickle.dumps(retriever)
    assert pickle.dumps(pickle.loads(blob)) == blob


def test_retriever_pickles_of_earlier_versions_with_a_numpy_dtype_load():
    retriever = CosineRetriever(n_neighbors=2).fit(np.eye(4))
    state = retriever.__getstate__()
    assert state["_fit_dtype"] == "float64"
    old = CosineRetriever.__new__(CosineRetriever)
    old.__setstate__({**state, "_fit_dtype": np.dtype("float64")})
    assert old._fit_dtype == np.dtype("float64")
    np.testing.assert_array_equal(old.kneighbors()[1], retriever.kneighbors()[1])
    with pytest.raises(ValueError, match="_fit_dtype must be 'float32' or 'float64'"):
        CosineRetriever.__new__(CosineRetriever).__setstate__({**state, "_fit_dtype": "object"})


def test_a_model_saved_on_cuda_loads_on_a_cpu_only_machine():
    """Simulated: the saved state says "cuda", as it does for a net trained on a GPU
    (the arrays are on the CPU either way)."""
    emb, X = _fitted_embedder()
    expected = emb.transform(X)
    emb.net_.device = emb.device_ = "cuda"
    data = sio.dumps(emb)
    emb.net_.device = emb.device_ = "cpu"
    with (
        patch("torch.cuda.is_available", lambda *_: False),
        pytest.warns(Warning, match="CUDA"),
    ):
        loaded = sio.loads(data, trusted=[JITTER, EMBEDDER])
    assert loaded.device_ == "cpu" and next(loaded.net_.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.transform(X), expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        loaded.partial_fit(X)
    assert loaded.n_iter_ == 2 * emb.n_iter_


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_model_fitted_on_cuda_loads_on_the_cpu_with_skops_and_pickle():
    X = np.random.default_rng(0).normal(size=(40, 4))
    emb = _fit(_embedder(device="cuda"), X)
    expected = emb.transform(X)
    data, blob = sio.dumps(emb), pickle.dumps(emb)
    assert pickle.dumps(emb) == blob
    for load in (lambda: sio.loads(data, trusted=[JITTER, EMBEDDER]), lambda: pickle.loads(blob)):
        with (
            patch("torch.cuda.is_available", lambda *_: False),
            pytest.warns(Warning, match="CUDA"),
        ):
            loaded = load()
        assert loaded.device_ == "cpu"
        np.testing.assert_allclose(loaded.transform(X), expected, rtol=1e-4, atol=1e-5)
    on_gpu = sio.loads(data, trusted=[JITTER, EMBEDDER])
    np.testing.assert_array_equal(on_gpu.transform(X), expected)


def test_a_user_encoder_class_loads_only_when_trusted():
    X = np.random.default_rng(0).normal(size=(40, 4))
    emb = _fit(_embedder(encoder=_Encoder), X)
    data = sio.dumps(emb)
    name = f"{__name__}._Encoder"
    assert sio.get_untrusted_types(data=data) == sorted([JITTER, EMBEDDER, name])
    with pytest.raises(UntrustedTypesFoundException, match=name):
        sio.loads(data, trusted=[JITTER, EMBEDDER])
    loaded = sio.loads(data, trusted=[JITTER, EMBEDDER, name])
    assert type(loaded.net_.module_) is _Encoder
    np.testing.assert_array_equal(loaded.transform(X), emb.transform(X))


def test_an_encoder_instance_cannot_be_saved_with_skops_but_pickles():
    """skops stores no torch objects: the documented way is a Module class + encoder_kwargs."""
    X = np.random.default_rng(0).normal(size=(40, 4))
    emb = _fit(_embedder(encoder=_Encoder(4, 3)), X)
    with pytest.raises(RuntimeError, match="TensorBase"):
        sio.dumps(emb)
    loaded = pickle.loads(pickle.dumps(emb))
    np.testing.assert_array_equal(loaded.transform(X), emb.transform(X))
    assert loaded.encoder is loaded._fitted_params["encoder"]  # partial_fit may continue


class _Encoder(torch.nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = torch.nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.linear(x)


# ---------------------------------------------------------------------- crafted files
def _rewrite(data: bytes, edit) -> bytes:
    """A copy of a skops file whose schema.json (and extra members) ``edit`` changes."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = {name: src.read(name) for name in src.namelist()}
    schema = json.loads(members.pop("schema.json"))
    edit(schema, members)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, content in members.items():
            dst.writestr(name, content)
        dst.writestr("schema.json", json.dumps(schema))
    return out.getvalue()


def _field(node: dict, *keys: str) -> dict:
    """The node of a field, through ObjectNode (its content) and DictNode (its key) nodes."""
    for key in keys:
        if node["__loader__"] == "ObjectNode":
            node = node["content"]
        node = node["content"][key]
    return node


def test_a_weights_field_carrying_a_pickle_payload_is_refused():
    emb, _ = _fitted_embedder()
    honest = sio.dumps(emb)

    def edit(schema, members):
        weights = _field(schema, "_net_state", "module")["content"]
        members["payload.bin"] = pickle.dumps(_Payload())
        weights["net.0.weight"] = {
            "__class__": "bytes",
            "__module__": "builtins",
            "__loader__": "BytesNode",
            "file": "payload.bin",
            "__id__": 1,
        }

    crafted = _rewrite(honest, edit)
    # it lists the same types as the honest file: only the review below protects
    assert sio.get_untrusted_types(data=crafted) == sio.get_untrusted_types(data=honest)
    weights = r"state\['module'\]\['net.0.weight'\] holds a builtins.bytes"
    with pytest.raises(TypeError, match=weights):
        sio.loads(crafted, trusted=sio.get_untrusted_types(data=crafted))


def test_an_unknown_encoder_class_is_refused_before_its_module_is_imported(tmp_path, monkeypatch):
    marker = tmp_path / "imported"
    (tmp_path / "skcontrast_crafted_encoder.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nclass Encoder:\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    emb, _ = _fitted_embedder()

    def edit(schema, members):
        for keys in (("encoder",), ("_fitted_params", "encoder")):
            node = _field(schema, *keys[:-1]) if len(keys) > 1 else schema
            content = node["content"] if node["__loader__"] == "ObjectNode" else node
            content["content"][keys[-1]] = {
                "__class__": "Encoder",
                "__module__": "skcontrast_crafted_encoder",
                "__loader__": "TypeNode",
                "__id__": 2,
            }

    crafted = _rewrite(sio.dumps(emb), edit)
    with pytest.raises(UntrustedTypesFoundException, match=r"skcontrast_crafted_encoder\.Encoder"):
        sio.loads(crafted, trusted=[JITTER, EMBEDDER])
    assert not marker.exists() and "skcontrast_crafted_encoder" not in sys.modules


def test_an_encoder_that_is_no_module_class_is_refused_even_when_trusted():
    """A user who trusts every listed type still gets no call of a non-Module "encoder"."""
    emb, _ = _fitted_embedder()
    target = f"{__name__}._record_run"

    def edit(schema, members):
        for node in (schema["content"], _field(schema, "_fitted_params")):
            node["content"]["encoder"] = {
                "__class__": "_record_run",
                "__module__": __name__,
                "__loader__": "TypeNode",
                "__id__": 3,
            }

    crafted = _rewrite(sio.dumps(emb), edit)
    assert target in sio.get_untrusted_types(data=crafted)
    with pytest.raises(TypeError, match=r"encoder must be None, a torch\.nn\.Module subclass"):
        sio.loads(crafted, trusted=sio.get_untrusted_types(data=crafted))


def test_a_callback_holding_a_function_is_refused():
    emb, _ = _fitted_embedder()
    honest = sio.dumps(emb)
    function = {
        "__class__": "_record_run",
        "__module__": __name__,
        "__loader__": "FunctionNode",
        "__id__": 4,
    }

    def in_callbacks(schema, members):
        callback = {
            "__class__": "PrintLog",
            "__module__": "skorch.callbacks.logging",
            "__loader__": "ObjectNode",
            "__id__": 5,
            "content": {
                "__class__": "dict",
                "__module__": "builtins",
                "__loader__": "DictNode",
                "__id__": 6,
                "key_types": {
                    "__class__": "list",
                    "__module__": "builtins",
                    "__loader__": "ListNode",
                    "__id__": 7,
                    "content": [
                        {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}
                    ],
                },
                "content": {"sink": function},
            },
        }
        listing = {
            "__class__": "list",
            "__module__": "builtins",
            "__loader__": "ListNode",
            "__id__": 8,
            "content": [callback],
        }
        schema["content"]["content"]["callbacks"] = listing
        _field(schema, "_fitted_params")["content"]["callbacks"] = listing

    crafted = _rewrite(honest, in_callbacks)
    untrusted = sio.get_untrusted_types(data=crafted)
    assert f"{__name__}._record_run" in untrusted
    assert "skorch.callbacks.logging.PrintLog" in untrusted
    # the honest file's list does not cover it: the review shows two more types
    with pytest.raises(UntrustedTypesFoundException, match="_record_run"):
        sio.loads(crafted, trusted=sio.get_untrusted_types(data=honest))

    def in_net_state(schema, members):
        _field(schema, "_net_state", "history")["content"][0]["content"]["dur"] = function

    crafted = _rewrite(honest, in_net_state)
    # trusted blindly, the function reaches the state, which refuses it uncalled
    with pytest.raises(TypeError, match=r"history'\]\[0\]\['dur'\] holds a builtins.function"):
        sio.loads(crafted, trusted=sio.get_untrusted_types(data=crafted))


# -------------------------------------------------------------------- pickle as before
def test_pickle_of_a_fitted_embedder_is_byte_identical_after_a_round_trip():
    emb, X = _fitted_embedder()
    blob = pickle.dumps(emb)
    assert pickle.dumps(emb) == blob
    loaded = pickle.loads(blob)
    assert pickle.dumps(loaded) == blob
    np.testing.assert_array_equal(loaded.transform(X), emb.transform(X))


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("hidden_dims", (10**7,), "describe an encoder of"),
        ("projection_dim", 10**7, "describe a projection head of"),
        ("n_components", 0, "encoder widths must be positive ints"),
    ],
)
def test_parameters_inflated_beyond_the_saved_weights_are_refused_before_building(
    field, value, match
):
    """A crafted state cannot make loading allocate modules its weights do not fill."""
    emb, _ = _fitted_embedder()
    state = emb.__getstate__()
    state["_fitted_params"] = {**state["_fitted_params"], field: value}
    with pytest.raises(ValueError, match=match):
        type(emb).__new__(type(emb)).__setstate__(state)
