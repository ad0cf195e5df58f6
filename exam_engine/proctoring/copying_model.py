"""Chance model for answer-copying detection: how likely each candidate, answering on their own,
is to pick each option of each item (the null hypothesis of `copying.detect_copying`).

P[i, j, o] = chance that candidate i picks option o on item j, given that i answered j. Candidates
are grouped into equal-size bands by proportion right; every share below leaves the candidate out
of their own band's counts and is shrunk towards the whole room's, so small bands stay finite.
- the key: the band's share of right answers on the item, tilted on the logit scale (one shift
  per candidate, the Rasch ability equation) until the candidate's expected number right equals
  the actual number right. A candidate with every answer right gets exactly 1, so two perfect
  scorers agreeing on keys is no evidence;
- a distractor: (1 - P(key)) x its share of the band's wrong answers to the item, as in the
  empirical g2 index (Frary, Tideman & Watts 1977).
Items without a key (weighted TKP items, key -1) use the band's shares of all answers."""
from __future__ import annotations

import numpy as np

_NEWTON_STEPS = 25
_SHRINK = 4.0      # pseudo-answers pulling a band's shares towards the room's
_PRIOR = 0.5       # pseudo-answers per option for the room's shares: no option is impossible


def _expit(z: np.ndarray) -> np.ndarray:
    # clipped so infinite abilities give exact 0/1 without overflow warnings
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


def tilt(logits: np.ndarray, seen: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per candidate, the shift d that makes sum_j expit(logits + d) over the `seen` items equal
    the candidate's number right (Newton; the Rasch ability equation). All-right gives +inf,
    all-wrong -inf, nothing seen 0."""
    r, m = right.sum(1), seen.sum(1)
    inner = (r > 0) & (r < m)
    d = np.zeros(len(r))
    for _ in range(_NEWTON_STEPS):
        p = _expit(logits + d[:, None]) * seen
        d += np.clip((r - p.sum(1)) / np.maximum((p * (1 - p)).sum(1), 1e-9), -2, 2) * inner
    d[(r == m) & (m > 0)] = np.inf
    d[(r == 0) & (m > 0)] = -np.inf
    return d


def score_bands(right: np.ndarray, seen: np.ndarray, n_bands: int) -> np.ndarray:
    """Equal-size bands by proportion right on the answered keyed items (0 = weakest); a stable
    sort keeps ties in row order, so the result is deterministic."""
    score = (right.sum(1) + 0.5) / (seen.sum(1) + 1.0)
    rank = np.empty(len(score), dtype=np.int64)
    rank[np.argsort(score, kind="stable")] = np.arange(len(score))
    return rank * n_bands // max(len(score), 1)


def choice_probabilities(onehot: np.ndarray, key: np.ndarray, n_bands: int) -> np.ndarray:
    """P[i, j, o] (float64) from the one-hot answers (candidates x items x options; all-zero
    where the candidate did not answer) and the per-item key (-1 for unkeyed items)."""
    n, n_items, n_opts = onehot.shape
    keyed = key >= 0
    is_key = np.zeros((n_items, n_opts), dtype=bool)
    is_key[np.flatnonzero(keyed), key[keyed]] = True
    answered = onehot.any(-1)
    right = (onehot & is_key).any(-1)
    band = score_bands(right[:, keyed], answered[:, keyed], n_bands)

    # answers per band, item and option as one matmul: (bands x n) @ (n x items*options)
    member = (band[:, None] == np.arange(n_bands)).astype(np.float64)
    counts = (member.T @ onehot.reshape(n, -1)).reshape(n_bands, n_items, n_opts)
    room = counts.sum(0) + _PRIOR
    own = counts[band] - onehot            # leave the candidate out of their own band's counts

    # key: the band's share of right answers, tilted so expected right = the candidate's right
    room_key = (room * is_key).sum(-1)[keyed] / room.sum(-1)[keyed]
    own_key, own_all = (own * is_key).sum(-1)[:, keyed], own.sum(-1)[:, keyed]
    share_key = (own_key + _SHRINK * room_key) / (own_all + _SHRINK)
    logit = np.log(share_key / (1 - share_key))
    shift = tilt(logit, answered[:, keyed], right[:, keyed])
    p_key = np.zeros((n, n_items))
    p_key[:, keyed] = _expit(logit + shift[:, None])

    # distractors (every option of an unkeyed item): the band's shares of the non-key answers
    room_other = room * ~is_key
    room_other /= room_other.sum(-1, keepdims=True)
    own_other = own * ~is_key
    shares = (own_other + _SHRINK * room_other) / (own_other.sum(-1, keepdims=True) + _SHRINK)
    return (1.0 - p_key)[..., None] * shares + p_key[..., None] * is_key
