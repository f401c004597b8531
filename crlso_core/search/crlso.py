"""The CR-LSO search loop: gradient steps on the predicted error in the latent space.

Each round: fine-tune the predictor on every (z, true accuracy) queried so far; take the
top-k queried cells as starts; step from each start *down* the predicted error (the
reference code climbed it: its sign was wrong); decode; query unseen cells. A step is eta
times the gradient (reference) or, with step_length "spacing", eta times the codes' median
nearest-neighbour distance along the gradient's direction. The rules:
- "step": the reference rule. z = z0 - eta * grad f(z0); if the decoded cell was already
  queried, eta grows by eta_step and the step is retried. Of retries that decode to one
  cell only the first and last are recorded (a stalled NB101 search made 126,000
  trajectory rows, 129 MB, from 900 queries); their `attempt` numbers say how many ran.
- "ranked": each start proposes many steps (several step sizes, with and without
  exploration noise); decoded cells are de-duplicated, scored by the predictor at their
  own latent code, and only the best-predicted are queried.
- "mixed": the ranked rule whose candidates also include every unseen one-mutation
  neighbour of each start, scored the same way (the predictor as the acquisition over
  latent steps and minimal mutations of the incumbents, which on NB301 made BANANAS
  strong). A neighbour is recorded only when it is queried (source "<method>-mutation"):
  NB301 cells have about 120 neighbours each.
The budget is never exceeded: the oracle refuses and the loop checks `remaining` first.
Only cells the benchmark can answer are queried. On a benchmark that answers only part of
the space (NB101's offline table: 30,001 of 423,624 cells) a decoded cell it cannot answer
is replaced by the nearest (in latent space, to the point decoded) unseen pool cell it can
answer, queried with the source "<method>-nearest"; without a pool to move to, such a
cell counts as known and the step is retried.
"""

from __future__ import annotations

from functools import cached_property
from typing import Optional

import numpy as np
import torch
from torch import Tensor, nn

from ..benchmarks.base import Oracle
from ..config import SearchConfig
from ..models.output_scale import rescale_output_
from ..progress import ProgressFn, report
from ..records import TrajectoryStep
from ..spaces.base import Cell, SearchSpace
from ..training import fit_latent_predictor, standardiser
from .latent import LatentCodes


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
        )
        if c.standardise_refit:
            rescale_output_(self.predictor.output_layers(), scale, shift)

    @torch.no_grad()
    def predicted_accuracy(self, z: Tensor) -> np.ndarray:
        return 100.0 * (1.0 - self.predictor(z.to(self.device)).cpu().numpy())

    def _gradient(self, z: Tensor) -> Tensor:
        """What a step of eta = 1 subtracts from z: the gradient itself, or (step_length
        "spacing") its direction times the codes' typical spacing."""
        z = z.to(self.device).clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(self.predictor(z).sum(), z)
        grad = grad.cpu()
        if self.cfg.step_length == "spacing":
            grad = self._spacing * grad / grad.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return grad

    @cached_property
    def _spacing(self) -> float:
        """Median distance from a code to its nearest other code: the pool's (an evenly
        spaced sample of up to 2,000 rows against all), else the queried cells'."""
        if self.codes.pool is not None:
            mu = self.codes.pool[1].float()
        else:
            mu = self.codes(list(self.oracle.answers)).float()
        nearest = []
        for part in mu[:: max(1, len(mu) // 2000)].split(200):  # 200 x pool distances at a time
            distance = torch.cdist(part, mu)
            distance[distance == 0] = float("inf")  # itself, or a duplicate code
            nearest.append(distance.min(1).values)
        nearest = torch.cat(nearest)
        nearest = nearest[torch.isfinite(nearest)]
        return float(nearest.median()) if len(nearest) else 1.0

    # --- the loop ------------------------------------------------------------------------
    def run(self, progress: Optional[ProgressFn] = None) -> list[TrajectoryStep]:
        round_ = 0
        while self.oracle.remaining > 0:
            round_ += 1
            self._refit()
            starts = sorted(self.oracle.answers, key=self.oracle.answers.__getitem__, reverse=True)[: self.cfg.top_k]
            before = self.oracle.used
            if self.cfg.rule in ("ranked", "mixed"):
                self._ranked_round(round_, starts, neighbours=self.cfg.rule == "mixed")
            else:
                self._step_round(round_, starts)
            if self.oracle.used == before:  # every proposal decoded to a known cell
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

    def _step_round(self, round_: int, starts: list[Cell]) -> None:
        c = self.cfg
        etas = c.eta0 + c.eta_step * torch.arange(c.max_retries, dtype=torch.float32)
        z0s = self.codes(starts)
        grads = self._gradient(z0s)
        for start, z0, g in zip(starts, z0s, grads):
            if self.oracle.remaining == 0:
                return
            zs = z0 - etas[:, None] * g  # all retries at once; only those up to the first new cell count
            decoded = self.codes.decode(zs)
            cells = self._onto_benchmark(decoded, zs)
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
                    self.oracle.query(cell, source)
                self._record(round_, start, attempt, etas[attempt], zs[attempt], cell, pred_z[attempt], own[attempt], new, source)

    def _ranked_round(self, round_: int, starts: list[Cell], neighbours: bool = False) -> None:
        c = self.cfg
        z0s = self.codes(starts)
        grads = self._gradient(z0s)
        half = max(c.candidates_per_start // 2, 1)
        etas = c.eta0 * torch.logspace(0, np.log10(1 + c.max_retries), half)  # short to long steps
        spread = self.codes(list(self.oracle.answers)).std(0).mean()
        best: dict[Cell, tuple] = {}  # unseen cell -> its best proposal
        for start, z0, g in zip(starts, z0s, grads):
            plain = z0 - etas[:, None] * g
            noisy = plain + c.explore_noise * spread * torch.randn(plain.shape, generator=self.generator)
            zs = torch.cat([plain, noisy])
            decoded = self.codes.decode(zs)
            cells = self._onto_benchmark(decoded, zs)
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
        if neighbours:
            self._add_neighbours(round_, starts, best)
        ranked = sorted(best.values(), key=lambda item: item[1], reverse=True)
        for rank, (proposal, pred, source) in enumerate(ranked):
            query = rank < c.top_k and self.oracle.remaining > 0
            if query:
                self.oracle.query(proposal[5], source)
            if query or proposal[2] >= 0:  # a neighbour (attempt -1) is recorded only when queried
                self._record(*proposal, pred, query, source)

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
            best[cell] = ((round_, found[cell], -1, 0.0, z, cell, pred), pred, self.source + "-mutation")

    def _new(self, cell: Cell) -> bool:
        """Worth a query: not queried yet, and the benchmark can answer it (a decoded cell
        it cannot answer is treated like a known one: the step is retried further)."""
        return not self.oracle.seen(cell) and self.oracle.can_answer(cell)

    # --- a benchmark that answers only part of the space --------------------------------
    @cached_property
    def _answerable_pool(self) -> Optional[tuple[list[Cell], Tensor]]:
        """(cells, codes) of the pool cells the benchmark can answer: where a decoded cell it
        cannot answer moves to. None when it answers every cell (nothing ever moves) or
        when the codes hold no pool (the decoded cell then counts as known)."""
        if self.oracle.benchmark.complete or self.codes.pool is None:
            return None
        cells, mu = self.codes.pool
        rows = np.flatnonzero(self.oracle.benchmark.can_answer(cells))
        return ([cells[i] for i in rows.tolist()], mu[torch.from_numpy(rows)].float()) if len(rows) else None

    def _onto_benchmark(self, decoded: list[Cell], zs: Tensor) -> list[Cell]:
        """Each decoded cell, except that one the benchmark cannot answer becomes the unseen
        answerable pool cell nearest to the point it was decoded from."""
        pool = self._answerable_pool
        outside = [i for i, cell in enumerate(decoded) if pool is not None and not self.oracle.can_answer(cell)]
        if not outside:
            return decoded
        cells, mu = pool
        k = min(len(cells), self.oracle.used + 1)  # at most `used` are seen: an unseen one is among these
        nearest = torch.cdist(zs[outside].float(), mu).topk(k, largest=False).indices.tolist()
        moved = list(decoded)
        for i, order in zip(outside, nearest):
            moved[i] = next((cells[j] for j in order if not self.oracle.seen(cells[j])), decoded[i])
        return moved

    def _source(self, cell: Cell, decoded: Cell) -> str:
        return self.source if cell == decoded else self.source + "-nearest"

    def _own_prediction(self, cell: Cell) -> float:
        return float(self.predicted_accuracy(self.codes([cell]))[0])

    def _fallback_round(self, round_: int, starts: list[Cell]) -> None:
        """No step left the known cells: query, per start, the unseen single-edge
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
            self.oracle.query(options[i], self.source + "-fallback")
            self._record(round_, start, -1, 0.0, codes[i], options[i], preds[i], preds[i], True, self.source + "-fallback")

    def _random_round(self, round_: int) -> None:
        """Last resort, so the loop always ends: one random unseen cell."""
        cell = self.oracle.random_unseen(self.rng)
        z = self.codes([cell])[0]
        pred = self._own_prediction(cell)
        self.oracle.query(cell, self.source + "-random")
        self._record(round_, cell, -1, 0.0, z, cell, pred, pred, True, self.source + "-random")
