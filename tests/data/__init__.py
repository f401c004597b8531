"""Where the tests' small official-format fixtures are (README.md beside: each file's source
and licence). Tests name them through these constants, never through the team's data folder."""

from pathlib import Path

DATA = Path(__file__).resolve().parent

NB101_TFRECORD = DATA / "nb101" / "nasbench_only108_dummy30.tfrecord"  # the official file's format, 30 cells
NB101_API_JSON = DATA / "nb101" / "nb101_naslib_dummy30.json"  # the same 30 cells in the official API's structure
NB101_NASLIB_500 = DATA / "nb101" / "nb101_naslib_500.csv"
NATS_SIMPLE_DIR = DATA / "nb201" / "nats-tss-v1_0-3ffb9-simple"  # cells 0, 11 and 284
NB301_NASLIB_500 = DATA / "nb301" / "nb301_naslib_500.csv"
