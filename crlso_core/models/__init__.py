from crlso_core.models.gvae import GVAE, kl_divergence
from crlso_core.models.icnn import ICNN, LatentMLP
from crlso_core.models.predictor import GNNPredictor

__all__ = ["GVAE", "kl_divergence", "ICNN", "LatentMLP", "GNNPredictor"]
