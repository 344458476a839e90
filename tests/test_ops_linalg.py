"""Behaviour of the linear-algebra family beyond the op-spec table: einsum against explicit loops,
identities of det/inv/solve, slogdet's constant sign, gradients at singular and degenerate
points, numpy dispatch for every name, errors that name the operation and the shapes, and an
optional PyTorch cross-check."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag

from . import strategies as S
from ._numeric import assert_close, central_difference


def _leaf(a, dtype=np.float64) -> ag.Tensor:
    return ag.Tensor(np.asarray(a, dtype=dtype), requires_grad=True)


def _grad(f, *arrays):
    """The gradients of sum(f(*leaves) * w) for a fixed random w, and the numeric oracle."""
    xs = [_leaf(a) for a in arrays]
    out = f(*xs)
    w = np.random.default_rng(0).standard_normal(out.shape)
    (out * w).sum().backward()
    return xs, w


# ============================================================================ einsum vs loops
def _einsum_loops(subscripts: str, *operands: np.ndarray) -> np.ndarray:
    """einsum from its definition: for every assignment of the letters, multiply the indexed
    elements and add them into the output element (explicit subscripts, no '...')."""
    ins, out = subscripts.split("->")
    parts = ins.split(",")
    size = {c: d for p, x in zip(parts, operands, strict=True) for c, d in zip(p, x.shape, strict=True)}
    letters = sorted(size)
    result = np.zeros(tuple(size[c] for c in out))
    for values in itertools.product(*(range(size[c]) for c in letters)):
        at = dict(zip(letters, values, strict=True))
        term = 1.0
        for p, x in zip(parts, operands, strict=True):
            term *= x[tuple(at[c] for c in p)]
        result[tuple(at[c] for c in out)] += term
    return result


LOOP_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ii->", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("bii->bi", [(2, 3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("iii->i", [(2, 2, 2)]),
    ("ij->ji", [(2, 3)]),
    ("ij,ij->", [(2, 3), (2, 3)]),
    ("ij,jk,kl->li", [(2, 3), (3, 2), (2, 2)]),
    ("bij,bjk->bk", [(2, 2, 3), (2, 3, 2)]),
    ("i,j,k->kji", [(2,), (3,), (2,)]),
    ("ij,i->ij", [(2, 1), (2,)]),  # a size-1 letter broadcast against nothing
    ("Ab,bA->", [(2, 3), (3, 2)]),  # upper-case letters
]


@pytest.mark.parametrize(("subscripts", "shapes"), LOOP_CASES, ids=[c[0] for c in LOOP_CASES])
def test_einsum_matches_explicit_loops_forward_and_gradient(subscripts, shapes):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    xs, w = _grad(lambda *t: ag.einsum(subscripts, *t), *arrays)
    expected = _einsum_loops(subscripts, *arrays)
    assert_close(ag.einsum(subscripts, *arrays).data, expected, rtol=1e-12, atol=1e-12)
    for i, x in enumerate(xs):
        oracle = central_difference(lambda *a: np.sum(_einsum_loops(subscripts, *a) * w), arrays, i)
        assert_close(x.grad.data, oracle)


@pytest.mark.parametrize(
    ("implicit", "explicit"),
    [("ij,jk", "ij,jk->ik"), ("ba", "ba->ab"), ("Ab,c", "Ab,c->Abc"), ("ii", "ii->"), ("ij,j", "ij,j->i")],
)
def test_einsum_implicit_output_is_numpy_s(implicit, explicit):
    rng = np.random.default_rng(2)
    parts = explicit.split("->")[0].split(",")
    arrays = [rng.standard_normal((2,) * len(p)) for p in parts]
    np.testing.assert_allclose(ag.einsum(implicit, *arrays).data, np.einsum(implicit, *arrays), rtol=1e-12)
    np.testing.assert_allclose(ag.einsum(implicit, *arrays).data, _einsum_loops(explicit, *arrays), rtol=1e-12)


@settings(max_examples=15)
@given(batch=st.tuples(S.shapes(max_dims=2, max_side=3), S.shapes(max_dims=2, max_side=3)), seed=S.seeds)
def test_einsum_ellipsis_broadcasts_batches_like_numpy(batch, seed):
    """'...ij,...jk->...ik' over batch shapes of different ranks and size-1 axes."""
    a_batch, b_batch = batch
    try:
        out_batch = np.broadcast_shapes(a_batch, b_batch)
    except ValueError:
        b_batch = a_batch
        out_batch = a_batch
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(a_batch + (2, 3)), rng.standard_normal(b_batch + (3, 2))
    ta, tb = _leaf(a), _leaf(b)
    out = ag.einsum("...ij,...jk->...ik", ta, tb)
    assert out.shape == out_batch + (2, 2)
    np.testing.assert_allclose(out.data, np.matmul(a, b), rtol=1e-12, atol=1e-12)
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    assert ta.grad.shape == a.shape and tb.grad.shape == b.shape
    f = lambda a, b: np.sum(np.matmul(a, b) * w)
    assert_close(ta.grad.data, central_difference(f, [a, b], 0))
    assert_close(tb.grad.data, central_difference(f, [a, b], 1))


def test_einsum_on_large_operands_takes_numpy_s_optimized_path_correctly():
    """Past 1000 elements the forward asks numpy to optimize (BLAS); size-1 letters still broadcast."""
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((40, 1, 30)), rng.standard_normal((30, 20))
    ta, tb = _leaf(a), _leaf(b)
    out = ag.einsum("bij,jk->bik", ta, tb)
    np.testing.assert_allclose(out.data, a @ b, rtol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    np.testing.assert_allclose(ta.grad.data, g @ b.T, rtol=1e-12)
    np.testing.assert_allclose(tb.grad.data, np.einsum("bij,bik->jk", a, g), rtol=1e-12)


def test_einsum_of_one_tensor_twice_adds_both_gradients():
    x = _leaf([1.0, -2.0, 3.0])
    ag.einsum("i,i->", x, x).backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)


# ============================================================================ dot, solve: every rank
@settings(max_examples=25)
@given(a_shape=S.shapes(max_dims=3, max_side=3), b_shape=S.shapes(max_dims=3, max_side=3), seed=S.seeds)
def test_dot_of_any_ranks_matches_numpy_and_finite_differences(a_shape, b_shape, seed):
    """numpy's dot rules for every pair of ranks 0..3 (the summed axes made to agree)."""
    if a_shape and len(b_shape) >= 1:
        b_shape = b_shape[:-2] + (a_shape[-1],) + b_shape[-1:] if len(b_shape) >= 2 else (a_shape[-1],)
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    ta, tb = _leaf(a), _leaf(b)
    out = ag.dot(ta, tb)
    np.testing.assert_allclose(out.data, np.dot(a, b), rtol=1e-12, atol=1e-12)
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    f = lambda a, b: np.sum(np.dot(a, b) * w)
    assert_close(ta.grad.data, central_difference(f, [a, b], 0))
    assert_close(tb.grad.data, central_difference(f, [a, b], 1))


@settings(max_examples=15)
@given(batches=S.broadcastable_pairs(max_dims=2, max_side=2), vector=st.booleans(), seed=S.seeds)
def test_solve_broadcasts_batches_like_numpy(batches, vector, seed):
    a_batch, b_batch = batches
    rng = np.random.default_rng(seed)
    a = S.well_conditioned(rng, a_batch + (3, 3))
    b = rng.standard_normal((3,) if vector else b_batch + (3, 2))
    ta, tb = _leaf(a), _leaf(b)
    out = ag.linalg.solve(ta, tb)
    np.testing.assert_allclose(out.data, np.linalg.solve(a, b), rtol=1e-10, atol=1e-12)
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    f = lambda a, b: np.sum(np.linalg.solve(a, b) * w)
    assert_close(ta.grad.data, central_difference(f, [a, b], 0))
    assert_close(tb.grad.data, central_difference(f, [a, b], 1))


# ============================================================================ identities
def _wc(shape, seed=3):
    return S.well_conditioned(np.random.default_rng(seed), shape)


def test_inv_solve_det_identities():
    a, b = _wc((4, 4), 4), _wc((4, 4), 5)
    v = np.random.default_rng(6).standard_normal(4)
    ta = ag.Tensor(a)
    np.testing.assert_allclose((ag.linalg.inv(ta) @ ta).data, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(ag.linalg.solve(ta, v).data, np.linalg.inv(a) @ v, rtol=1e-10)
    np.testing.assert_allclose(ag.linalg.det(ta @ b).data, np.linalg.det(a) * np.linalg.det(b), rtol=1e-10)
    np.testing.assert_allclose(ag.linalg.det(ag.linalg.inv(ta)).data, 1 / np.linalg.det(a), rtol=1e-10)


def test_gradients_have_their_closed_forms():
    """d det/dA = det(A) A^-T;  d log|det A|/dA = A^-T;  d tr(A^-1 B)/dA = -A^-T B^T A^-T;
    d tr(solve(A, B))/dB = A^-T 1."""
    a, b = _wc((3, 3), 7), np.random.default_rng(8).standard_normal((3, 3))
    ai_t = np.linalg.inv(a).T
    x = _leaf(a)
    ag.linalg.det(x).backward()
    np.testing.assert_allclose(x.grad.data, np.linalg.det(a) * ai_t, rtol=1e-10)
    x = _leaf(a)
    ag.linalg.slogdet(x).logabsdet.backward()
    np.testing.assert_allclose(x.grad.data, ai_t, rtol=1e-10)
    x = _leaf(a)
    ag.trace(ag.linalg.inv(x) @ b).backward()
    np.testing.assert_allclose(x.grad.data, -ai_t @ b.T @ ai_t, rtol=1e-10)
    tb = _leaf(b)
    ag.trace(ag.linalg.solve(a, tb)).backward()
    np.testing.assert_allclose(tb.grad.data, ai_t @ np.eye(3), rtol=1e-10)


def _cofactors(a: np.ndarray) -> np.ndarray:
    """(-1)^(i+j) times the minor of a without row i and column j, one by one."""
    n = a.shape[0]
    c = np.empty_like(a)
    for i, j in itertools.product(range(n), range(n)):
        minor = np.delete(np.delete(a, i, axis=0), j, axis=1)
        c[i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return c


@pytest.mark.parametrize("rank", [0, 1, 2])
def test_det_gradient_at_singular_matrices_is_the_cofactor_matrix(rank):
    """det is a polynomial: its gradient exists everywhere, also where inv does not."""
    rng = np.random.default_rng(rank)
    a = rng.standard_normal((3, rank)) @ rng.standard_normal((rank, 3))
    x = _leaf(a)
    ag.linalg.det(x).backward()
    assert np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(x.grad.data, _cofactors(a), atol=1e-12)
    assert_close(x.grad.data, central_difference(np.linalg.det, [a], 0), atol=1e-8)


def test_det_second_derivative_at_a_singular_matrix_refuses_with_a_message():
    x = _leaf(np.diag([1.0, 2.0, 0.0]))
    with pytest.raises(ValueError, match=r"^det: the gradient at a singular matrix \(shape \(3, 3\)\)"):
        ag.linalg.det(x).backward(create_graph=True)


def test_slogdet_sign_is_a_constant_and_logabsdet_differentiable():
    a = S.signed_well_conditioned(np.random.default_rng(9), (2, 3, 3))
    x = _leaf(a)
    sign, logabsdet = ag.linalg.slogdet(x)
    np.testing.assert_array_equal(sign.data, np.sign(np.linalg.det(a)))
    assert np.all(sign.data == -1.0)
    assert not sign.requires_grad and sign.op is None
    assert logabsdet.requires_grad and logabsdet.op.name == "slogdet"
    np.testing.assert_allclose((sign * ag.exp(logabsdet)).data, np.linalg.det(a), rtol=1e-12)
    assert ag.linalg.slogdet(x.astype(np.float32)).sign.dtype == np.float32


def test_slogdet_gradient_at_a_singular_matrix_refuses_with_a_message():
    x = _leaf([[1.0, 2.0], [2.0, 4.0]])
    sign, logabsdet = ag.linalg.slogdet(x)
    assert sign.item() == 0.0 and logabsdet.item() == -np.inf
    with pytest.raises(ValueError, match=r"^slogdet: the gradient at a singular matrix \(shape \(2, 2\)\)"):
        logabsdet.backward()


# ============================================================================ eigh and cholesky
def test_eigenvalue_gradients_survive_repeated_eigenvalues():
    """At A = I every eigenvalue is 1; sum(w * c) still has gradient sum(c)/n * I... here c = 1:
    d trace/dA = I, with no NaN from the 1/(w_j - w_i) terms."""
    x = _leaf(np.eye(3))
    ag.linalg.eigvalsh(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.eye(3), atol=1e-12)
    y = _leaf(np.diag([2.0, 2.0, 5.0]))
    ag.linalg.eigvalsh(y)[2].backward()  # the simple eigenvalue: e3 e3^T
    np.testing.assert_allclose(y.grad.data, np.diag([0.0, 0.0, 1.0]), atol=1e-12)


def test_eigh_reads_the_lower_triangle_and_upper_on_request():
    a = S.symmetric_separated(np.random.default_rng(10), (3, 3))
    noisy = a + np.triu(np.full((3, 3), 7.0), 1)  # garbage above the diagonal
    w, v = ag.linalg.eigh(noisy)
    np.testing.assert_allclose(w.data, np.linalg.eigvalsh(a), rtol=1e-12)
    np.testing.assert_allclose(np.abs(v.data), np.abs(np.linalg.eigh(a)[1]), rtol=1e-10)
    x = _leaf(noisy.T)
    ag.linalg.eigvalsh(x, UPLO="U")[-1].backward()
    oracle = central_difference(lambda m: np.linalg.eigvalsh(m, UPLO="U")[-1], [noisy.T], 0)
    assert_close(x.grad.data, oracle)
    assert np.all(np.tril(x.grad.data, -1) == 0)


def test_eigenvectors_reconstruct_the_matrix_with_its_gradient():
    """V diag(w) V^T = sym(A): the gradient through eigh equals that of the symmetrised input."""
    a = S.symmetric_separated(np.random.default_rng(11), (3, 3))
    c = np.random.default_rng(12).standard_normal((3, 3))
    x = _leaf(a)
    w, v = ag.linalg.eigh(x)
    np.testing.assert_allclose(((v * w) @ v.T).data, a, atol=1e-12)
    ((v * w) @ v.T * c).sum().backward()
    expected = np.tril(c + c.T, -1) + np.diag(np.diag(c))  # d/dA of <sym_L(A), c>
    np.testing.assert_allclose(x.grad.data, expected, atol=1e-10)


def test_cholesky_upper_matches_numpy_and_finite_differences():
    a = S.spd(np.random.default_rng(13), (3, 3))
    x = _leaf(a)
    u = ag.linalg.cholesky(x, upper=True)
    np.testing.assert_allclose(u.data, np.linalg.cholesky(a, upper=True), rtol=1e-12)
    w = np.random.default_rng(14).standard_normal((3, 3))
    (u * w).sum().backward()
    oracle = central_difference(lambda m: np.sum(np.linalg.cholesky(m, upper=True) * w), [a], 0)
    assert_close(x.grad.data, oracle)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)])
def test_svd_reconstructs_its_input_and_the_gradient_through_it_is_the_identity(shape):
    """U diag(S) Vh = a, so d<U diag(S) Vh, c>/da = c: every term of the rule, the (I - U U^T) and
    (I - V V^T) ones of non-square matrices included, must cancel to exactly that."""
    rng = np.random.default_rng(17)
    a, c = S.separated_singular_values(rng, shape), rng.standard_normal(shape)
    x = _leaf(a)
    u, s, vh = ag.linalg.svd(x, full_matrices=False)
    rebuilt = (u * s.reshape(s.shape[:-1] + (1, -1))) @ vh
    np.testing.assert_allclose(rebuilt.data, a, atol=1e-12)
    (rebuilt * c).sum().backward()
    np.testing.assert_allclose(x.grad.data, c, atol=1e-10)


def test_singular_value_gradients_survive_repeated_and_zero_singular_values():
    x = _leaf(np.eye(3))
    ag.linalg.norm(x, "nuc").backward()  # all singular values 1: d sum(s) = U V^T = I
    np.testing.assert_allclose(x.grad.data, np.eye(3), atol=1e-12)
    y = _leaf(np.diag([3.0, 1.0, 0.0])[:, :2])  # tall, rank 2
    ag.linalg.norm(y, 2).backward()
    np.testing.assert_allclose(y.grad.data, np.eye(3)[:, :2] * [1.0, 0.0], atol=1e-12)
    z = _leaf(np.diag([2.0, 0.0]))  # a zero singular value: its u v^T, no NaN
    ag.linalg.svd(z, compute_uv=False).sum().backward()
    assert np.all(np.isfinite(z.grad.data))
    np.testing.assert_allclose(z.grad.data[0, 0], 1.0)


def test_svd_full_matrices_of_a_non_square_matrix_refuses():
    with pytest.raises(ValueError, match=r"^svd: full_matrices=True on a non-square matrix \(shape \(3, 2\)\)"):
        ag.linalg.svd(np.ones((3, 2)))
    u, s, vh = ag.linalg.svd(np.diag([2.0, 1.0]))  # square: full and reduced agree
    np.testing.assert_allclose(s.data, [2.0, 1.0])


@pytest.mark.parametrize("shape", [(3, 3), (5, 2), (2, 4, 3)])
def test_qr_reconstructs_its_input_and_the_gradient_through_it_is_the_identity(shape):
    rng = np.random.default_rng(20)
    a, c = rng.standard_normal(shape), rng.standard_normal(shape)
    x = _leaf(a)
    q, r = ag.linalg.qr(x)
    np.testing.assert_allclose((q @ r).data, a, atol=1e-12)
    np.testing.assert_allclose(r.data, np.triu(r.data), atol=0)
    np.testing.assert_allclose(ag.linalg.qr(x, mode="r").data, np.linalg.qr(a, mode="r"), rtol=1e-12)
    (q @ r * c).sum().backward()
    np.testing.assert_allclose(x.grad.data, c, atol=1e-10)


def test_qr_refuses_what_has_no_gradient():
    with pytest.raises(
        ValueError, match=r"^qr: needs matrices with at least as many rows as columns, got shape \(2, 3\)"
    ):
        ag.linalg.qr(np.ones((2, 3)))
    for mode in ("complete", "raw"):
        with pytest.raises(ValueError, match=rf"^qr: mode='{mode}' is not supported on tensors \(shape \(3, 2\)\)"):
            ag.linalg.qr(np.ones((3, 2)), mode=mode)


def test_lstsq_returns_numpy_s_four_results():
    rng = np.random.default_rng(19)
    a, b = S.separated_singular_values(rng, (5, 3)), rng.standard_normal(5)
    for ours, theirs in zip(ag.linalg.lstsq(a, b), np.linalg.lstsq(a, b), strict=True):
        np.testing.assert_allclose(getattr(ours, "data", ours), theirs, rtol=1e-10)
    x, residuals, rank, s = ag.linalg.lstsq(np.ones((4, 2)), np.arange(4.0))  # rank 1: no residuals
    assert rank == 1 and residuals.shape == (0,)
    np.testing.assert_allclose(x.data, np.linalg.lstsq(np.ones((4, 2)), np.arange(4.0))[0])
    with pytest.raises(ValueError, match=r"^lstsq: a must be 2-D and b 1-D or 2-D with as many rows"):
        ag.linalg.lstsq(np.ones((4, 2)), np.ones(3))


def test_pinv_solves_least_squares():
    rng = np.random.default_rng(18)
    a, b = S.separated_singular_values(rng, (5, 3)), rng.standard_normal(5)
    x = ag.linalg.pinv(a) @ b
    np.testing.assert_allclose(x.data, np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-10)
    low_rank = np.outer([1.0, 2.0], [1.0, 1.0])
    np.testing.assert_allclose(ag.linalg.pinv(low_rank).data, np.linalg.pinv(low_rank), atol=1e-12)
    np.testing.assert_allclose(ag.linalg.pinv(low_rank, rtol=None).data, np.linalg.pinv(low_rank, rtol=None))
    with pytest.raises(ValueError, match="^pinv: rcond and rtol can't both be set"):
        ag.linalg.pinv(low_rank, 1e-3, rtol=1e-3)


# ============================================================================ numpy dispatch
M = np.array([[2.0, 0.5, 0.1], [0.3, 1.5, -0.2], [0.1, -0.4, 1.8]])
V = np.array([1.0, -2.0, 0.5])
NUMPY_CALLS = {
    "dot": lambda t: np.dot(t, V),
    "vdot": lambda t: np.vdot(t, M),
    "inner": lambda t: np.inner(t, M),
    "outer": lambda t: np.outer(t, V),
    "tensordot": lambda t: np.tensordot(t, M, axes=([0], [1])),
    "einsum": lambda t: np.einsum("ij,jk->ik", t, M),
    "kron": lambda t: np.kron(t, M[:2, :2]),
    "cross": lambda t: np.cross(t, V),
    "linalg.cross": lambda t: np.linalg.cross(t, M, axis=0),
    "trace": lambda t: np.trace(t, offset=1),
    "diag": lambda t: np.diag(t, -1),
    "diagonal": lambda t: np.diagonal(t),
    "tril": lambda t: np.tril(t),
    "triu": lambda t: np.triu(t, 1),
    "linalg.norm": lambda t: np.linalg.norm(t, "nuc"),
    "linalg.det": lambda t: np.linalg.det(t),
    "linalg.slogdet": lambda t: np.linalg.slogdet(t)[1],
    "linalg.inv": lambda t: np.linalg.inv(t),
    "linalg.solve": lambda t: np.linalg.solve(t, V),
    "linalg.cholesky": lambda t: np.linalg.cholesky(t @ t.T),
    "linalg.eigh": lambda t: np.linalg.eigh(t + t.T).eigenvectors,
    "linalg.eigvalsh": lambda t: np.linalg.eigvalsh(t + t.T),
    "linalg.svd": lambda t: np.linalg.svd(t).U,
    "linalg.pinv": lambda t: np.linalg.pinv(t),
    "linalg.qr": lambda t: np.linalg.qr(t).R,
    "linalg.lstsq": lambda t: np.linalg.lstsq(t, V)[0],
    "linalg.vector_norm": lambda t: np.linalg.vector_norm(t, ord=3),
    "linalg.matrix_norm": lambda t: np.linalg.matrix_norm(t, ord=-2),
    "linalg.svdvals": lambda t: np.linalg.svdvals(t),
    "linalg.cond": lambda t: np.linalg.cond(t, 1),
    "linalg.matrix_power": lambda t: np.linalg.matrix_power(t, 3),
    "linalg.multi_dot": lambda t: np.linalg.multi_dot([V, t, M, t]),
    "linalg.tensorinv": lambda t: np.linalg.tensorinv(t, ind=1),
    "linalg.tensorsolve": lambda t: np.linalg.tensorsolve(t, V),
    "linalg.matmul": lambda t: np.linalg.matmul(t, M),
    "linalg.outer": lambda t: np.linalg.outer(t[0], V),
    "linalg.tensordot": lambda t: np.linalg.tensordot(t, M, axes=1),
    "linalg.vecdot": lambda t: np.linalg.vecdot(t, M, axis=0),
    "linalg.trace": lambda t: np.linalg.trace(t, offset=-1),
    "linalg.diagonal": lambda t: np.linalg.diagonal(t, offset=1),
    "linalg.matrix_transpose": lambda t: np.linalg.matrix_transpose(t),
    "method dot": lambda t: t.dot(M),
    "method trace": lambda t: t.trace(),
    "method diagonal": lambda t: t.diagonal(1),
}


@pytest.mark.parametrize("name", list(NUMPY_CALLS))
def test_numpy_functions_on_tensors_record(name):
    x = _leaf(M)
    out = NUMPY_CALLS[name](x)
    assert isinstance(out, ag.Tensor) and out.requires_grad and out.op is not None
    expected = NUMPY_CALLS[name](M)
    np.testing.assert_allclose(out.data, getattr(expected, "data", expected), rtol=1e-12, atol=1e-12)
    out.sum().backward()
    assert x.grad is not None and np.all(np.isfinite(x.grad.data))


def test_every_name_is_in_its_namespace():
    top_level = "dot vdot inner outer tensordot einsum kron cross trace diag diagonal tril triu"
    for name in top_level.split():
        assert callable(getattr(ag, name))
    for name in ("norm", "det", "slogdet", "inv", "solve", "cholesky", "eigh", "eigvalsh", "svd", "pinv", "qr"):
        assert callable(getattr(ag.linalg, name))
        assert not hasattr(ag, name)  # np.linalg's names stay in ag.linalg, as in numpy
    assert set(ag.linalg.__all__) >= {n for n in dir(np.linalg) if n.startswith("matrix_") and n != "matrix_rank"}


@pytest.mark.parametrize("fn", [np.linalg.eig, np.linalg.eigvals])
def test_eig_and_eigvals_refuse_with_the_alternatives(fn):
    name = fn.__name__
    with pytest.raises(
        TypeError, match=rf"^numpy\.linalg\.{name} has no gradient rule .*shape \(3, 3\).*eigvalsh|eigh"
    ):
        fn(_leaf(M))


def test_matrix_rank_is_a_query():
    x = _leaf(np.outer(V, V))
    rank = np.linalg.matrix_rank(x)
    assert not isinstance(rank, ag.Tensor) and rank == 1
    assert ag.linalg.matrix_rank(M) == 3


def test_every_linalg_primitive_documents_its_rule():
    from autograd_lite.ops import core
    from autograd_lite.ops import linalg as L

    prims = [v for v in vars(L).values() if isinstance(v, ag.Primitive) and v not in core.PRIMITIVES]
    assert {p.name for p in prims} == {"einsum", "det", "slogdet", "inv", "solve", "cholesky", "eigh", "svd", "qr"}
    for p in prims:
        assert p.doc and ":  d/d" in p.doc, p.name


def test_float32_stays_float32():
    a = _wc((3, 3)).astype(np.float32)
    x = _leaf(a, np.float32)
    outs = [ag.linalg.det(x), ag.linalg.inv(x), ag.linalg.solve(x, V.astype(np.float32)), ag.dot(x, x),
            ag.einsum("ii", x), ag.linalg.norm(x, 2), ag.linalg.eigvalsh(x), ag.linalg.cholesky(x @ x.T)]  # fmt: skip
    for out in outs:
        assert out.dtype == np.float32
    ag.sum(ag.stack([o.sum() for o in outs])).backward()
    assert x.grad.dtype == np.float32


# ============================================================================ errors
ERRORS = [
    (lambda: ag.dot(np.ones((3, 4)), np.ones((5, 2))), r"^dot: shapes \(3, 4\) and \(5, 2\) are not aligned: 4 \(dim 1 of a\) != 5 \(dim 0 of b\)"),  # noqa: E501
    (lambda: ag.dot(np.ones((2, 3)), np.ones((2, 4, 2))), r"^dot: shapes \(2, 3\) and \(2, 4, 2\) are not aligned: 3 \(dim 1 of a\) != 4 \(dim 1 of b\)"),  # noqa: E501
    (lambda: ag.inner(np.ones(3), np.ones(4)), r"^inner: shapes \(3,\) and \(4,\) are not aligned"),
    (lambda: ag.vdot(np.ones(3), np.ones(4)), r"^vdot: a of shape \(3,\) has 3 elements but b of shape \(4,\) has 4"),
    (lambda: ag.tensordot(np.ones((2, 3)), np.ones((4, 2)), 1), r"^tensordot: shapes \(2, 3\) and \(4, 2\) are not aligned: 3 \(dim 1 of a\) != 4 \(dim 0 of b\)"),  # noqa: E501
    (lambda: ag.tensordot(np.ones((2, 3)), np.ones((3, 2)), ([0, 1], [0])), r"^tensordot: 2 axes of a but 1 of b"),
    (lambda: ag.tensordot(np.ones((2, 3)), np.ones((3, 2)), 3), r"^tensordot: axes=3 does not fit shapes"),
    (lambda: ag.einsum("ij,jk->ik", np.ones((2, 3))), r"^einsum: subscripts 'ij,jk->ik' name 2 operands but 1 were given"),  # noqa: E501
    (lambda: ag.einsum("ijk", np.ones((2, 3))), r"^einsum: operand 0 has shape \(2, 3\) \(2 dimensions\) but 'ijk' names 3"),  # noqa: E501
    (lambda: ag.einsum("ij,jk", np.ones((2, 3)), np.ones((4, 2))), r"^einsum: index 'j' has size 3 in one operand and 4 in operand 1"),  # noqa: E501
    (lambda: ag.einsum("ij->k", np.ones((2, 3))), r"^einsum: output index 'k' of 'ij->k' is repeated or not in any operand"),  # noqa: E501
    (lambda: ag.einsum("ii->ii", np.ones((2, 2))), r"^einsum: output index 'i'"),
    (lambda: ag.einsum("...ij->ij", np.ones((2, 2, 2))), r"^einsum: '...ij->ij': the output must keep the '...'"),
    (lambda: ag.einsum("i$", np.ones((2, 2))), r"^einsum: invalid subscript characters \['\$'\]"),
    (lambda: ag.einsum(np.ones(2), [0]), r"^einsum: the sublist form is not supported"),
    (lambda: ag.linalg.inv(np.ones((2, 2))), r"^inv: the matrix of shape \(2, 2\) is singular"),
    (lambda: ag.linalg.inv(np.ones((2, 2, 2))), r"^inv: the matrix \(in a batch\) of shape \(2, 2, 2\) is singular"),
    (lambda: ag.linalg.inv(np.ones((2, 3))), r"^inv: expected square matrices in the last two dimensions, got shape \(2, 3\)"),  # noqa: E501
    (lambda: ag.linalg.det(np.ones(3)), r"^det: expected square matrices in the last two dimensions, got shape \(3,\)"),
    (lambda: ag.linalg.solve(np.ones((2, 2)), np.ones(2)), r"^solve: the matrix of shape \(2, 2\) is singular"),
    (lambda: ag.linalg.solve(np.eye(3), np.ones(4)), r"^solve: shapes \(3, 3\) and \(4,\) are not aligned: 3 \(dim 1 of a\) != 4 \(dim 0 of b\)"),  # noqa: E501
    (lambda: ag.linalg.solve(np.ones((2, 3, 3)), np.ones((4, 3, 1))), r"^solve: the batch dimensions of shapes \(2, 3, 3\) and \(4, 3, 1\) do not broadcast"),  # noqa: E501
    (lambda: ag.linalg.cholesky(-np.eye(2)), r"^cholesky: the matrix of shape \(2, 2\) is not positive definite"),
    (lambda: ag.linalg.eigh(np.eye(2), UPLO="X"), r"^eigh: UPLO must be 'L' or 'U'"),
    (lambda: ag.linalg.norm(np.ones(3), 0), r"^norm: ord=0 counts the nonzero elements; it has no gradient"),
    (lambda: ag.linalg.norm(np.ones(3), "fro"), r"^norm: ord='fro' is a matrix norm"),
    (lambda: ag.linalg.norm(np.ones((2, 2)), 3), r"^norm: ord=3 is not a matrix norm"),
    (lambda: ag.linalg.norm(np.ones((2, 2, 2)), 1), r"^norm: ord=1 needs a 1-D or 2-D input or an axis, got shape \(2, 2, 2\)"),  # noqa: E501
    (lambda: ag.linalg.norm(np.ones((2, 2)), axis=(0, 0)), r"^norm: axis=\(0, 0\) repeats an axis"),
    (lambda: ag.linalg.norm(np.ones((2, 2)), axis=2), r"^norm: axis=2 must be one or two axes of shape \(2, 2\)"),
    (lambda: ag.diag(np.ones((2, 2, 2))), r"^diag: input must be 1-D or 2-D, got shape \(2, 2, 2\)"),
    (lambda: ag.diagonal(np.ones((2, 2)), axis1=0, axis2=-2), r"^diagonal: axis1=0, axis2=-2 are not two distinct axes of shape \(2, 2\)"),  # noqa: E501
    (lambda: ag.trace(np.ones(3)), r"^diagonal: needs at least 2 dimensions, got shape \(3,\)"),
    (lambda: ag.tril(np.float64(1.0)), r"^tril: needs at least 1 dimension"),
    (lambda: ag.cross(np.ones(4), np.ones(3)), r"^cross: a of shape \(4,\) has no axis -1 of 2 or 3 components"),
    (lambda: ag.linalg.cross(np.ones(2), np.ones(3)), r"^cross: input 0 of shape \(2,\) has no axis -1 of 3 components"),  # noqa: E501
    (lambda: ag.linalg.matrix_power(np.ones((2, 3)), 2), r"^matrix_power: expected square matrices in the last two dimensions, got shape \(2, 3\)"),  # noqa: E501
    (lambda: ag.linalg.matrix_power(np.eye(2), 1.5), r"^matrix_power: the exponent must be an integer, got 1.5"),
    (lambda: ag.linalg.multi_dot([np.ones(2)]), r"^multi_dot: needs at least 2 arrays, got 1"),
    (lambda: ag.linalg.multi_dot([np.ones(2), np.ones(2), np.ones(2)]), r"^multi_dot: array 1 has shape \(2,\); only the first and last may be 1-D"),  # noqa: E501
    (lambda: ag.linalg.multi_dot([np.ones((2, 3)), np.ones((2, 2))]), r"^matmul: shapes \(2, 3\) and \(2, 2\) are not aligned"),  # noqa: E501
    (lambda: ag.linalg.tensorinv(np.ones((2, 3)), ind=1), r"^tensorinv: shape \(2, 3\) with ind=1 is not a square linear map"),  # noqa: E501
    (lambda: ag.linalg.tensorsolve(np.ones((2, 3)), np.ones(2)), r"^tensorsolve: a of shape \(2, 3\) does not map onto b of shape \(2,\) squarely"),  # noqa: E501
    (lambda: ag.linalg.outer(np.ones((2, 2)), np.ones(2)), r"^outer: input 0 must be 1-D, got shape \(2, 2\)"),
    (lambda: ag.linalg.matrix_transpose(np.ones(2)), r"^matrix_transpose: needs at least 2 dimensions, got shape \(2,\)"),  # noqa: E501
    (lambda: ag.linalg.vector_norm(np.ones((2, 2)), axis=(1, -1)), r"^vector_norm: axis=\(1, -1\) repeats an axis"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "message"), ERRORS, ids=[m[1:40] for _, m in ERRORS])
def test_errors_name_the_operation_and_the_shapes(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_out_and_dtype_arguments_refuse():
    x = _leaf(M)
    with pytest.raises(TypeError, match=r"^dot: out= is not supported"):
        np.dot(x, M, out=np.empty((3, 3)))
    with pytest.raises(TypeError, match=r"^trace: dtype= is not supported"):
        x.trace(dtype=np.float32)


# ============================================================================ PyTorch cross-check
def test_torch_agrees_on_gradients_through_a_symmetric_parametrisation():
    """PyTorch's eigh/cholesky gradients assume a symmetric input; through a = b + b^T (+ n I)
    both conventions give the same gradient with respect to b."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(15)
    b, c, w = rng.standard_normal((3, 3)), _wc((3, 3), 16), rng.standard_normal((3, 3))
    rhs = rng.standard_normal((3, 2))

    def ours(b, c):
        a = b + b.T + 6 * np.eye(3)
        vals, vecs = ag.linalg.eigh(a)
        return (
            (ag.linalg.cholesky(a) * w).sum()
            + (vecs * vecs * w).sum()
            + (vals * w[0]).sum()
            + ag.linalg.det(c)
            + (ag.linalg.inv(c) * w).sum()
            + (ag.linalg.solve(c, rhs) ** 2).sum()
            + ag.einsum("ij,jk,ki->", c, b, c)
            + ag.linalg.norm(c, "nuc")
            + (ag.linalg.pinv(b + 3 * np.eye(3)) * w).sum()
        )

    def theirs(b, c):
        a = b + b.T + 6 * torch.eye(3, dtype=torch.float64)
        vals, vecs = torch.linalg.eigh(a)
        tw = torch.tensor(w)
        return (
            (torch.linalg.cholesky(a) * tw).sum()
            + (vecs * vecs * tw).sum()
            + (vals * tw[0]).sum()
            + torch.linalg.det(c)
            + (torch.linalg.inv(c) * tw).sum()
            + (torch.linalg.solve(c, torch.tensor(rhs)) ** 2).sum()
            + torch.einsum("ij,jk,ki->", c, b, c)
            + torch.linalg.matrix_norm(c, "nuc")
            + (torch.linalg.pinv(b + 3 * torch.eye(3, dtype=torch.float64)) * tw).sum()
        )

    tb, tc = _leaf(b), _leaf(c)
    out = ours(tb, tc)
    out.backward()
    pb, pc = (torch.tensor(x, requires_grad=True) for x in (b, c))
    ref = theirs(pb, pc)
    ref.backward()
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-10)
    np.testing.assert_allclose(tb.grad.data, pb.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(tc.grad.data, pc.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("fn", [np.linalg.pinv, np.linalg.svd])
def test_hermitian_true_is_refused_not_ignored(fn):
    with pytest.raises(TypeError, match=r"hermitian=True is not supported on tensors"):
        fn(ag.Tensor(np.array([[2.0, 1.0], [0.5, 3.0]]), requires_grad=True), hermitian=True)
