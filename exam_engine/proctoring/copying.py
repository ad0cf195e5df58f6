"""Answer-copying detection for the candidates of one session: a pairwise similarity z-score on
identical answers, weighted towards identical wrong answers, against what chance predicts.

The statistic follows Wollack's omega (Wollack 1997, "A nominal response model approach for
detecting answer copying", Applied Psychological Measurement 21(4), 307-320): the answers of a
source s are taken as given and the other candidate c's agreement with them is compared with its
expectation had c answered independently. On the items both candidates answered (items missing
from either form, and blanks, do not count):

    W = sum_j w_j [x_cj == x_sj]                      w_j = wrong_weight if x_sj is a wrong option
    E = sum_j w_j P_c(j, x_sj)                              of a keyed item, 1 otherwise
    V = sum_j w_j^2 P_c(j, x_sj) (1 - P_c(j, x_sj))
    z(s -> c) = (W - E) / sqrt(V)      and a pair's z = max(z(s -> c), z(c -> s)),

since which of the two copied is unknown. P_c(j, o) is the chance that c, answering alone, picks
option o (`copying_model.choice_probabilities`), conditioned on score bands: for the key, the
share of right answers among candidates of similar score, tilted so that c's expected number right
equals c's actual one (the Rasch ability equation), so two strong candidates agreeing on right
answers are not suspicious and two perfect scorers carry no evidence at all; for a distractor,
its popularity among the wrong answers of candidates of similar score, in the empirical spirit of
Frary, Tideman & Watts' g2 (1977, Journal of Educational Statistics 2(4), 235-256). With
wrong_weight = 1 this is omega with that empirical model in place of the nominal response model;
a weight > 1 stresses identical wrong answers, the evidence Holland's K-index (ETS, 1996) rests on.
z is read against the normal distribution; the sum is a little right-skewed, so the default
threshold was set from simulated honest rooms (below), not from a nominal p-value.

Vectorised: all sums are one-hot matrix products, (block x items*options) @ (items*options x n),
so the only Python loops are over row blocks and over the flagged pairs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from exam_engine.proctoring.copying_model import choice_probabilities

BLANK = -1
MAX_OPTIONS = 6
# one-sided; in simulated honest rooms about 1 pair in 100,000 exceeds 4.5 (one or two false flags in a
# room of 500) and 1 in 500,000 exceeds 5.0: raise it to trade copiers caught for fewer false flags
DEFAULT_THRESHOLD = 4.5
_BAND_SIZE = 30           # candidates per ability band by default


@dataclass(frozen=True)
class SuspectPair:
    """A pair above the threshold (row indices, first < second), with its evidence. `reference` is
    the one whose answers were taken as given in the direction with the larger z; it says how the
    evidence was computed, not who copied from whom."""

    first: int
    second: int
    reference: int
    shared: int                 # items on both forms
    identical: int              # identical non-blank answers on those items
    identical_wrong: int        # ... of which wrong (keyed items only)
    expected: float             # identical answers expected by chance (reference's answers given)
    expected_wrong: float       # identical wrong answers expected by chance
    z: float


def _validate(responses: np.ndarray, correct: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, ...]:
    x, key, shown = np.asarray(responses), np.asarray(correct), np.asarray(present)
    if x.ndim != 2:
        raise ValueError(f"responses must be a candidates x items matrix, got {x.ndim} dimension(s)")
    if not np.issubdtype(x.dtype, np.integer) or not np.issubdtype(key.dtype, np.integer):
        raise ValueError("responses and correct must hold integer option indices (-1 = blank / no key)")
    if key.shape != (x.shape[1],):
        raise ValueError(f"correct must have one entry per item ({x.shape[1]}), got shape {key.shape}")
    if shown.shape != x.shape:
        raise ValueError(f"present must have the shape of responses {x.shape}, got {shown.shape}")
    if shown.dtype != bool and not (np.issubdtype(shown.dtype, np.integer) and np.isin(shown, (0, 1)).all()):
        raise ValueError("present must be a boolean mask (or 0/1)")
    for name, arr in (("responses", x), ("correct", key)):
        if arr.size and (arr.min() < BLANK or arr.max() >= MAX_OPTIONS):
            raise ValueError(f"{name} must hold option indices 0..{MAX_OPTIONS - 1} or -1, "
                             f"got values in [{arr.min()}, {arr.max()}]")
    shown = shown.astype(bool)
    if (x[~shown] != BLANK).any():
        raise ValueError("responses has answers on items that are not on the candidate's form (present=False)")
    return x.astype(np.int64), key.astype(np.int64), shown


def detect_copying(responses: np.ndarray, correct: np.ndarray, present: np.ndarray, *,
                   threshold: float = DEFAULT_THRESHOLD, wrong_weight: float = 2.0,
                   bands: int | None = None, min_shared: int = 20, block: int = 1024) -> list[SuspectPair]:
    """Pairs whose z exceeds `threshold`, highest first.

    responses: candidates x items int8, the bank's option index (0..5) or -1 for blank; correct:
    the key per item (-1 for unkeyed items); present: candidates x items, True where the item is
    on the candidate's form. Pairs sharing fewer than `min_shared` items are never flagged.
    `bands`: ability bands for distractor popularity (default: one per 30 candidates, 1..10)."""
    x, key, shown = _validate(responses, correct, present)
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold}")
    if not wrong_weight >= 1:
        raise ValueError(f"wrong_weight must be >= 1 (identical wrong answers weigh at least 1), got {wrong_weight}")
    if min_shared < 1 or block < 1 or (bands is not None and bands < 1):
        raise ValueError("min_shared, block and bands must be >= 1")
    n, n_items = x.shape
    if n < 2 or n_items == 0:
        return []
    n_opts = int(max(x.max(), key.max(), 1)) + 1
    onehot = x[..., None] == np.arange(n_opts)           # blanks are all-zero rows
    n_bands = bands if bands is not None else int(np.clip(n // _BAND_SIZE, 1, 10))
    prob = choice_probabilities(onehot, key, min(n_bands, n))

    is_wrong = np.zeros((n_items, n_opts), dtype=bool)
    is_wrong[key >= 0] = np.arange(n_opts) != key[key >= 0, None]
    weight = np.where(is_wrong, wrong_weight, 1.0).ravel()
    # float32 products: counts stay exact and BLAS runs twice as fast as in float64
    a = onehot.reshape(n, -1).astype(np.float32)
    a_wrong = a * is_wrong.ravel()
    a_w, a_w2 = a * weight, a * weight ** 2
    q = (prob * onehot.any(-1, keepdims=True)).reshape(n, -1).astype(np.float32)  # 0 where c left it blank
    q_var = q * (1 - q)
    shown_f = shown.astype(np.float32)

    found: list[tuple[int, int, int, float]] = []
    for lo in range(0, n, block):
        rows = slice(lo, min(lo + block, n))
        shared = shown_f[rows] @ shown_f.T
        identical_wrong = a_wrong[rows] @ a.T
        score = a[rows] @ a.T + (wrong_weight - 1) * identical_wrong
        z_fwd = _z(score, a_w[rows] @ q.T, a_w2[rows] @ q_var.T)      # block rows as source
        z_rev = _z(score, q[rows] @ a_w.T, q_var[rows] @ a_w2.T)      # columns as source
        z = np.maximum(z_fwd, z_rev)
        upper = np.arange(n)[None, :] > np.arange(rows.start, rows.stop)[:, None]
        hit = upper & (shared >= min_shared) & (z > threshold)
        for i, j in zip(*np.nonzero(hit)):
            ref = lo + i if z_fwd[i, j] >= z_rev[i, j] else j
            found.append((int(lo + i), int(j), int(ref), float(z[i, j])))
    return sorted((_evidence(f, a, a_wrong, q, shown) for f in found), key=lambda p: -p.z)


def _z(score: np.ndarray, expected: np.ndarray, variance: np.ndarray) -> np.ndarray:
    # no variance means every agreement was certain either way: no evidence, z = 0
    ok = variance > 1e-6
    return np.divide(score - expected, np.sqrt(np.where(ok, variance, 1.0)), where=ok,
                     out=np.zeros_like(score)).astype(np.float64)


def _evidence(found: tuple[int, int, int, float], a: np.ndarray, a_wrong: np.ndarray, q: np.ndarray,
              shown: np.ndarray) -> SuspectPair:
    first, second, ref, z = found
    other = second if ref == first else first
    return SuspectPair(first=first, second=second, reference=ref,
                       shared=int((shown[first] & shown[second]).sum()),
                       identical=int(a[first] @ a[second]), identical_wrong=int(a_wrong[first] @ a[second]),
                       expected=float(a[ref] @ q[other]), expected_wrong=float(a_wrong[ref] @ q[other]), z=z)
