from .gvae import GVAE, kl_divergence
from .icnn import ICNN, LatentMLP
from .predictor import GNNPredictor

__all__ = ["GVAE", "kl_divergence", "ICNN", "LatentMLP", "GNNPredictor"]
