"""Genotypes the NB301 tests share: the first row of NASLib's 500 (tests/data) as NASLib
stores it, as a cell and as the DARTS string, and helpers to spell cells."""

from crlso_core.spaces.nb301.cells import OPS

# the first row of the CSV, as NASLib stores it (node 4's inputs 2, 0 out of order)
NORMAL_JSON = ('[["sep_conv_5x5", 0], ["sep_conv_3x3", 1], ["skip_connect", 0], ["sep_conv_3x3", 2], ["sep_conv_3x3", 2], '
               '["sep_conv_3x3", 0], ["dil_conv_5x5", 2], ["dil_conv_3x3", 3]]')
REDUCE_JSON = ('[["sep_conv_3x3", 0], ["sep_conv_3x3", 1], ["avg_pool_3x3", 1], ["dil_conv_3x3", 0], ["sep_conv_3x3", 2], '
               '["skip_connect", 0], ["sep_conv_5x5", 4], ["avg_pool_3x3", 3]]')
FIRST = (
    ((4, 0), (3, 1), (2, 0), (3, 2), (3, 0), (3, 2), (6, 2), (5, 3)),
    ((3, 0), (3, 1), (5, 0), (1, 1), (2, 0), (3, 2), (1, 3), (4, 4)),
)
FIRST_TEXT = (
    "Genotype(normal=[('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 2), "
    "('sep_conv_3x3', 0), ('sep_conv_3x3', 2), ('dil_conv_5x5', 2), ('dil_conv_3x3', 3)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('dil_conv_3x3', 0), ('avg_pool_3x3', 1), ('skip_connect', 0), "
    "('sep_conv_3x3', 2), ('avg_pool_3x3', 3), ('sep_conv_5x5', 4)], reduce_concat=[2, 3, 4, 5])"
)


def genotype_text(pairs_normal, pairs_reduce, quote="'", concat="[2, 3, 4, 5]") -> str:
    def listed(pairs):
        return "[" + ", ".join(f"({quote}{op}{quote}, {inp})" for op, inp in pairs) + "]"

    return f"Genotype(normal={listed(pairs_normal)}, normal_concat={concat}, reduce={listed(pairs_reduce)}, reduce_concat={concat})"


def named(half):
    return [(OPS[op], inp) for op, inp in half]
