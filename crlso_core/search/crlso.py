"""The CR-LSO search loop: moves in the latent space down the predicted error, decoded
into cells the benchmark answers.

Each round: fine-tune the predictor on every (z, true accuracy) queried so far; step from
the best queried cells (the starts) *down* the predicted error (the reference code climbed
it: its sign was wrong); decode; query unseen cells. The rules:
- "ranked" (NB101's and NB301's presets' rule, chosen on development seeds): see below.
- "ray": a first-new-cell rule measured in the codes' own scale. From a start,
  walk the descent direction in steps of the codes' spacing (geometry.py) as far as the
  pool's codes are wide along it, and query the first cell decoded along it that is new. A start whose
  ray meets only known cells gives way to the next-best queried cell, until `top_k` starts
  have found a cell or `start_depth` starts were tried; then, while fewer than `top_k` did,
  the best starts try rays turned around their gradient (`ray_tries` each, `ray_spread`).
- "step": the reference step without its noise. z = z0 - eta * grad f(z0) (or eta spacings
  along it, with step_length "spacing"); if the decoded cell was already queried, eta grows
  by eta_step, at most max_retries times.
- "authors": the authors' rule (their NB201 `crlso.py`) with the descent sign the paper
  states: from each of the top_k starts, z = z0 + restart_noise * N(0, I), then one gradient
  step z - eta * grad f(z) of the raw gradient (step_length is not used); a decoded cell
  already queried grows eta by eta_step and draws new noise, from z0 again; the first new
  cell is queried. Their code looped until a new cell came; here a start gives up after
  max_retries tries. "authors-uphill" is the same with the sign of their code, which
  minimised predicted accuracy: z + eta * grad f climbs the predicted error (a diagnostic
  of that defect, never a default).
- "ranked": each start proposes many steps (several lengths, with and without exploration
  noise); decoded cells are de-duplicated, scored by the predictor at their own latent
  code, and only the best-predicted are queried.
- "mixed": the ranked rule whose candidates also include every unseen one-mutation
  neighbour of each start (source "<method>-mutation", recorded only when queried).
Of a run of points that decode to one known cell only the first and last are recorded
(a stalled NB101 search once wrote 126,000 trajectory rows); `attempt` says where they lay.
When no rule's move reaches a new cell, the round falls back to the best-predicted unseen
neighbour of a start ("<method>-fallback"), then to a random cell ("<method>-random"):
origins.py counts them, so a search that fell back says so.
The budget is never exceeded: the oracle refuses and the loop checks `remaining` first.
A cell queried from a decoded point keeps that point as its code (queried_code "stepped", the
authors') or its encoded mu ("encoded") for the refits and starts that follow.
"""

from __future__ import annotations

from functools import cached_property
from typing import Optional

import numpy as np
import torch
from torch import Tensor, nn

from crlso_core.benchmarks.base import Oracle
from crlso_core.catalog.config import AUTHORS_RULES, SearchConfig
from crlso_core.common.progress import ProgressFn, report
from crlso_core.models.output_scale import rescale_output_
from crlso_core.models.training import AdamSettings, fit_latent_predictor, standardiser
from crlso_core.search.geometry import descent_directions, median_spacing, ray_distances, ray_extents
from crlso_core.search.latent import LatentCodes
from crlso_core.search.origins import STEP, origin, with_kind
from crlso_core.search.partial import PartialTable
from crlso_core.spaces.base import Cell, SearchSpace
from crlso_core.store.records import TrajectoryStep

START_CHUNK = 64  # starts whose gradients and rays are computed at once


class CRLSOSearch:
    def __init__(
        self,
        space: SearchSpace,
        codes: LatentCodes,
        predictor: nn.Module,
        oracle: Oracle,
        cfg: SearchConfig,
        device: torch.device,
        generator: torch.Generator,
        source: str = "crlso",
    ):
        self.space, self.codes, self.predictor, self.oracle = space, codes, predictor, oracle
        self.cfg, self.device, self.generator, self.source = cfg, device, generator, source
        self.rng = np.random.default_rng(int(torch.randint(2**31, (1,), generator=generator)))
        self.steps: list[TrajectoryStep] = []
        self.partial = PartialTable(oracle, codes)

    # --- predictor -----------------------------------------------------------------------
    def _refit(self) -> None:
        cells = list(self.oracle.answers)
        error = 1.0 - torch.tensor([self.oracle.answers[c] for c in cells], dtype=torch.float32) / 100.0
        c = self.cfg
        shift, scale = standardiser(error) if c.standardise_refit else (0.0, 1.0)
        if c.standardise_refit:  # the predictor outputs standardised errors while it learns
            rescale_output_(self.predictor.output_layers(), 1.0 / scale, -shift / scale)
        fit_latent_predictor(
            self.predictor, self.codes(cells), (error - shift) / scale, c.finetune_epochs, c.finetune_lr,
            c.finetune_batch, c.z_noise, c.label_noise / scale, self.device, self.generator,
            adam=AdamSettings(tuple(c.finetune_betas), c.finetune_weight_decay, c.finetune_lr_min),
        )
        if c.standardise_refit:
            rescale_output_(self.predictor.output_layers(), scale, shift)

    @torch.no_grad()
    def predicted_accuracy(self, z: Tensor) -> np.ndarray:
        return 100.0 * (1.0 - self.predictor(z.to(self.device)).cpu().numpy())

    def _raw_gradient(self, z: Tensor) -> Tensor:
        z = z.to(self.device).clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(self.predictor(z).sum(), z)
        return grad.cpu()

    def _gradient(self, z: Tensor) -> Tensor:
        """What a step of eta = 1 subtracts from z: the gradient itself, or (step_length
        "spacing") its direction times the codes' typical spacing."""
        grad = self._raw_gradient(z)
        if self.cfg.step_length == "spacing":
            grad = -self._spacing * descent_directions(grad)
        return grad

    @cached_property
    def _cloud(self) -> Tensor:
        """The codes that set the latent space's scale and edge: the pool's, else the queried cells'."""
        return self.codes.pool[1].float() if self.codes.pool is not None else self.codes(list(self.oracle.answers)).float()

    @cached_property
    def _spacing(self) -> float:
        return median_spacing(self._cloud)

    # --- the loop ------------------------------------------------------------------------
    def run(self, progress: Optional[ProgressFn] = None) -> list[TrajectoryStep]:
        round_ = 0
        while self.oracle.remaining > 0:
            round_ += 1
            self._refit()
            ranking = sorted(self.oracle.answers, key=self.oracle.answers.__getitem__, reverse=True)
            starts = ranking[: self.cfg.top_k]
            before = self.oracle.used
            if self.cfg.rule == "ray":
                self._ray_round(round_, ranking)
            elif self.cfg.rule in AUTHORS_RULES:
                self._authors_round(round_, starts)
            elif self.cfg.rule in ("ranked", "mixed"):
                self._ranked_round(round_, ranking, neighbours=self.cfg.rule == "mixed")
            else:
                self._step_round(round_, starts)
            if self.oracle.used == before:  # every move decoded to a known cell
                self._fallback_round(round_, starts)
            if self.oracle.used == before:  # even the starts' neighbourhoods are spent
                self._random_round(round_)
            best = max(self.oracle.answers.values())
            report(progress, "search", self.oracle.used, self.oracle.budget, best_valid=best, round=round_)
        return self.steps

    def _record(self, round_, start, attempt, eta, z, cell, pred_z, pred, queried, source=None) -> None:
        self.steps.append(TrajectoryStep(
            round_, self.space.format(start), attempt, float(eta), [round(float(v), 6) for v in z],
            self.space.format(cell), float(pred_z), float(pred), queried,
            self.oracle.answers[cell] if queried else None, source or self.source,
        ))

    def _depth(self, ranking: list[Cell]) -> list[Cell]:
        """The queried cells a round may start from, best first."""
        depth = self.cfg.start_depth
        return ranking[:depth] if depth > 0 else ranking

    # --- the ray rule --------------------------------------------------------------------
    def _ray_round(self, round_: int, ranking: list[Cell]) -> None:
        """Gradient rays from the best queried cells down the ranking (to start_depth) until
        top_k found a new cell; then, while fewer did, rays in directions drawn around the
        gradient's (still downhill) from the top_k starts: on a convex predictor every
        gradient ray points the same way, and those rays can all run into known cells."""
        c = self.cfg
        found = self._gradient_rays(round_, self._depth(ranking))
        if found < c.top_k and c.ray_tries > 0:
            self._cone_rays(round_, ranking[: c.top_k], c.top_k - found)

    def _gradient_rays(self, round_: int, candidates: list[Cell]) -> int:
        found = tried = 0
        for at in range(0, len(candidates), START_CHUNK):
            chunk = candidates[at: at + START_CHUNK]
            z0s = self.codes(chunk)
            directions = descent_directions(self._raw_gradient(z0s))
            extents = ray_extents(directions, self._cloud)
            for start, z0, direction, extent in zip(chunk, z0s, directions, extents):
                if found >= self.cfg.top_k or self.oracle.remaining == 0:
                    return found
                tried += 1
                found += self._walk_ray(round_, start, z0, direction, float(extent), record_miss=tried <= self.cfg.top_k)
        return found

    def _cone_rays(self, round_: int, starts: list[Cell], wanted: int) -> int:
        """Up to `ray_tries` rays per start, each along the descent direction turned by a
        random draw (`ray_spread` times a unit-length random vector); the first that reaches
        a new cell counts for its start. Returns how many starts found one."""
        c, found = self.cfg, 0
        z0s = self.codes(starts)
        directions = descent_directions(self._raw_gradient(z0s))
        for start, z0, direction in zip(starts, z0s, directions):
            if found >= wanted or self.oracle.remaining == 0:
                break
            noise = torch.randn((c.ray_tries, len(direction)), generator=self.generator)
            turned = direction + c.ray_spread * noise / noise.norm(dim=1, keepdim=True)
            turned = turned / turned.norm(dim=1, keepdim=True).clamp_min(1e-12)
            turned = turned[(turned @ direction) > 0]  # downhill to first order only
            extents = ray_extents(turned, self._cloud)
            for d, extent in zip(turned, extents):
                if self._walk_ray(round_, start, z0, d, float(extent), record_miss=False):
                    found += 1
                    break
        return found

    def _walk_ray(self, round_: int, start: Cell, z0: Tensor, direction: Tensor, extent: float, record_miss: bool) -> bool:
        """Query the first new cell decoded along one ray; record the ray up to it (a ray that
        found nothing only when `record_miss`). True when a cell was queried."""
        c = self.cfg
        distances = ray_distances(extent, self._spacing, c.eta0, c.ray_step, c.max_retries)
        zs = z0 + distances[:, None] * direction
        decoded = self.codes.decode(zs)
        hit = None
        for i, cell in enumerate(decoded):
            if self._new(cell):
                hit = (i, cell, STEP)
                break
            moved = self.partial.nearest_unseen(cell, zs[i])
            if moved is not None:
                hit = (i, moved, "nearest")
                break
        if hit is None and not record_miss:
            return False
        last = hit[0] if hit else len(decoded) - 1
        rows = [i for i in range(last + 1) if i in (0, last) or not decoded[i - 1] == decoded[i] == decoded[i + 1]]
        cells = [decoded[i] for i in rows]
        if hit:
            cells[-1] = hit[1]
            self._query(hit[1], with_kind(self.source, hit[2]), zs[hit[0]])
        pred_z = self.predicted_accuracy(zs[rows])
        own = self.predicted_accuracy(self.codes(cells))
        for k, (i, cell) in enumerate(zip(rows, cells)):
            queried = hit is not None and i == last
            source = with_kind(self.source, hit[2]) if queried else self.source
            self._record(round_, start, i, distances[i] / self._spacing, zs[i], cell, pred_z[k], own[k], queried, source)
        return hit is not None

    # --- the reference and ranked rules ------------------------------------------------------
    def _step_round(self, round_: int, starts: list[Cell]) -> None:
        c = self.cfg
        etas = c.eta0 + c.eta_step * torch.arange(c.max_retries, dtype=torch.float32)
        z0s = self.codes(starts)
        grads = self._gradient(z0s)
        for start, z0, g in zip(starts, z0s, grads):
            if self.oracle.remaining == 0:
                return
            self._first_new(round_, start, z0 - etas[:, None] * g, etas)  # all retries at once

    def _authors_round(self, round_: int, starts: list[Cell]) -> None:
        """Each start's tries at once: a fresh noise draw and a growing eta each, one raw
        gradient step from each noisy point; the first try that decodes to a new cell counts."""
        c = self.cfg
        sign = 1.0 if c.rule == "authors-uphill" else -1.0
        etas = c.eta0 + c.eta_step * torch.arange(c.max_retries, dtype=torch.float32)
        for start, z0 in zip(starts, self.codes(starts)):
            if self.oracle.remaining == 0:
                return
            noisy = z0 + c.restart_noise * torch.randn((c.max_retries, len(z0)), generator=self.generator)
            self._first_new(round_, start, noisy + sign * etas[:, None] * self._raw_gradient(noisy), etas)

    def _first_new(self, round_: int, start: Cell, zs: Tensor, etas: Tensor) -> None:
        """Decode one start's tries in order, query the first new cell, record the tries up to it."""
        decoded = self.codes.decode(zs)
        cells = self.partial.onto_benchmark(decoded, zs)
        pred_z = self.predicted_accuracy(zs)
        own = self.predicted_accuracy(self.codes(cells))  # one batch, not one call per retry
        tried = next((i + 1 for i, cell in enumerate(cells) if self._new(cell)), len(cells))
        for attempt in range(tried):
            cell = cells[attempt]
            if 0 < attempt < tried - 1 and cells[attempt - 1] == cell == cells[attempt + 1]:
                continue  # inside a run of retries decoding to one known cell: its ends say it all
            new = attempt == tried - 1 and self._new(cell)
            source = self._source(cell, decoded[attempt])
            if new:
                self._query(cell, source, zs[attempt])
            self._record(round_, start, attempt, etas[attempt], zs[attempt], cell, pred_z[attempt], own[attempt], new, source)

    def _ranked_round(self, round_: int, ranking: list[Cell], neighbours: bool = False) -> None:
        """Candidates from the best top_k starts, then the next top_k while fewer than top_k
        unseen cells were proposed (down to start_depth), ranked and the best queried."""
        c = self.cfg
        best: dict[Cell, tuple] = {}  # unseen cell -> its best proposal
        candidates = self._depth(ranking)
        starts: list[Cell] = []
        for at in range(0, len(candidates), c.top_k):
            group = candidates[at: at + c.top_k]
            starts += group
            self._propose(round_, group, best)
            if len(best) >= c.top_k:
                break
        if neighbours:
            self._add_neighbours(round_, starts[: c.top_k], best)
        ranked = sorted(best.values(), key=lambda item: item[1], reverse=True)
        for rank, (proposal, pred, source) in enumerate(ranked):
            query = rank < c.top_k and self.oracle.remaining > 0
            if query:
                self._query(proposal[5], source, proposal[4])
            if query or proposal[2] >= 0:  # a neighbour (attempt -1) is recorded only when queried
                self._record(*proposal, pred, query, source)

    def _step_lengths(self, z0s: Tensor, grads: Tensor) -> Tensor:
        """Per start, the ranked rule's step lengths (in units of `grads`), short to long:
        out to eta0 * (1 + max_retries), or with step_length "spacing" out to the ray's edge."""
        c = self.cfg
        half = max(c.candidates_per_start // 2, 1)
        if c.step_length != "spacing":
            return (c.eta0 * torch.logspace(0, np.log10(1 + c.max_retries), half)).expand(len(z0s), half)
        extents = ray_extents(descent_directions(grads), self._cloud) / self._spacing
        ends = torch.maximum(extents, torch.full_like(extents, c.eta0 * (1 + c.max_retries)))
        fractions = torch.logspace(0, 1, half) / 10.0  # 0.1 .. 1 of the way, denser near the start
        return torch.maximum(ends[:, None] * fractions, torch.tensor(c.eta0))

    def _propose(self, round_: int, starts: list[Cell], best: dict) -> None:
        c = self.cfg
        z0s = self.codes(starts)
        grads = self._gradient(z0s)
        lengths = self._step_lengths(z0s, grads)
        half = lengths.shape[1]
        spread = self.codes(list(self.oracle.answers)).std(0).mean()
        for start, z0, g, etas in zip(starts, z0s, grads, lengths):
            plain = z0 - etas[:, None] * g
            noisy = plain + c.explore_noise * spread * torch.randn(plain.shape, generator=self.generator)
            zs = torch.cat([plain, noisy])
            decoded = self.codes.decode(zs)
            cells = self.partial.onto_benchmark(decoded, zs)
            pred_z = self.predicted_accuracy(zs)
            unseen = [cl for cl in dict.fromkeys(cells) if self._new(cl)]
            own = dict(zip(unseen, self.predicted_accuracy(self.codes(unseen)))) if unseen else {}
            for attempt, (cell, z) in enumerate(zip(cells, zs)):
                proposal = (round_, start, attempt, etas[attempt % half], z, cell, pred_z[attempt])
                source = self._source(cell, decoded[attempt])
                if cell in own and cell not in best:  # first proposal of an unseen cell competes
                    best[cell] = (proposal, own[cell], source)
                else:  # a known cell, or a repeat proposal: recorded, never queried
                    self._record(*proposal, own[cell] if cell in own else self._own_prediction(cell), False, source)

    def _add_neighbours(self, round_: int, starts: list[Cell], best: dict) -> None:
        """The unseen one-mutation neighbours of the starts that no latent step proposed,
        as candidates scored by the predictor at their own code (recorded if queried)."""
        found = {}
        for start in starts:
            for n in self.space.neighbours(start):
                if n not in best and n not in found and self._new(n):
                    found[n] = start
        if not found:
            return
        cells = list(found)
        codes = self.codes(cells)
        for cell, z, pred in zip(cells, codes, self.predicted_accuracy(codes)):
            best[cell] = ((round_, found[cell], -1, 0.0, z, cell, pred), pred, with_kind(self.source, "mutation"))

    def _query(self, cell: Cell, source: str, z: Optional[Tensor] = None) -> None:
        """Ask the benchmark; a cell decoded from the point z keeps z as its code when the
        config says so (a nearest answerable cell, a neighbour or a random cell keeps its own)."""
        self.oracle.query(cell, source)
        if z is not None and self.cfg.queried_code == "stepped" and origin(source) == STEP:
            self.codes.remember(cell, z)

    def _new(self, cell: Cell) -> bool:
        """Worth a query: not queried yet, and the benchmark can answer it (a decoded cell
        it cannot answer is treated like a known one: the step is retried further)."""
        return not self.oracle.seen(cell) and self.oracle.can_answer(cell)

    def _source(self, cell: Cell, decoded: Cell) -> str:
        return self.source if cell == decoded else with_kind(self.source, "nearest")

    def _own_prediction(self, cell: Cell) -> float:
        return float(self.predicted_accuracy(self.codes([cell]))[0])

    # --- when no move reached a new cell ---------------------------------------------------
    def _fallback_round(self, round_: int, starts: list[Cell]) -> None:
        """No move left the known cells: query, per start, the unseen single-edge
        neighbour the predictor likes best, so the budget is still spent on search."""
        for start in starts:
            if self.oracle.remaining == 0:
                return
            options = [n for n in self.space.neighbours(start) if self._new(n)]
            if not options:
                continue
            codes = self.codes(options)
            preds = self.predicted_accuracy(codes)
            i = int(np.argmax(preds))
            source = with_kind(self.source, "fallback")
            self.oracle.query(options[i], source)
            self._record(round_, start, -1, 0.0, codes[i], options[i], preds[i], preds[i], True, source)

    def _random_round(self, round_: int) -> None:
        """Last resort, so the loop always ends: one random unseen cell."""
        cell = self.oracle.random_unseen(self.rng)
        z = self.codes([cell])[0]
        pred = self._own_prediction(cell)
        source = with_kind(self.source, "random")
        self.oracle.query(cell, source)
        self._record(round_, cell, -1, 0.0, z, cell, pred, pred, True, source)
