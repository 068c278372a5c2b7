"""The sentences of the scalar figure's captions and axis labels, one whole sentence per case.

Each is chosen by the facts (the depth ``N`` counts, whether the bound vanishes, which weights end
below or above one) and translated whole (gettext): no word is glued to another in code.
"""

from __future__ import annotations

from ..i18n import N_

XLABEL = {"steps": N_("number of unrolled steps $N$"), "layers": N_("number of layers $N$")}
IDENTITY = {
    "steps": N_("The lecture's scalar example: a signal multiplied by the same weight $w$ at every unrolled step "
                "becomes $\\mathrm{{Input}} \\times w^N$. With $w = 2$ and four steps it is 16 times the input; for $w > 1$ it "
                "explodes, for $w < 1$ it vanishes."),
    "layers": N_("The lecture's scalar example: a signal multiplied by the same weight $w$ at every layer "
                 "becomes $\\mathrm{{Input}} \\times w^N$. With $w = 2$ and four steps it is 16 times the input; for $w > 1$ it "
                 "explodes, for $w < 1$ it vanishes."),
}
"""Every sentence of the scalar figure's captions is whole, one per depth: no word is glued in code."""
PRODUCT = {
    "steps": N_("The lecture's scalar example with {act}: every unrolled step multiplies the gradient by $w\\,{f}'(a_k)$, "
                "not by $w$ alone, so $\\partial h_N/\\partial h_0 = \\prod_{{k=1}}^{{N}} w\\,{f}'(a_k)$ (solid lines; a "
                "forward pass from $h_0 = \\mathrm{{Input}} = 1$ with $a_k = w\\,h_{{k-1}}$ and $h_k = {f}(a_k)$, no further "
                "input and no bias)."),
    "layers": N_("The lecture's scalar example with {act}: every layer multiplies the gradient by $w\\,{f}'(a_k)$, "
                 "not by $w$ alone, so $\\partial h_N/\\partial h_0 = \\prod_{{k=1}}^{{N}} w\\,{f}'(a_k)$ (solid lines; a "
                 "forward pass from $h_0 = \\mathrm{{Input}} = 1$ with $a_k = w\\,h_{{k-1}}$ and $h_k = {f}(a_k)$, no further "
                 "input and no bias)."),
}
BOUND = {
    ("vanishes", "steps"): N_("Since ${f}' \\leq {sup}$, the product is at most ${bound}$ (dashed), so it vanishes for every "
                              "$|w| < {limit}$, even for the lecture's $w = 2$: after four unrolled steps the factor is "
                              "$2^4\\,{f}'(a_1) \\cdots {f}'(a_4) = {seed}$ instead of the identity's $2^4 = 16$ (dotted: $2^N$ explodes)."),
    ("vanishes", "layers"): N_("Since ${f}' \\leq {sup}$, the product is at most ${bound}$ (dashed), so it vanishes for every "
                               "$|w| < {limit}$, even for the lecture's $w = 2$: after four layers the factor is "
                               "$2^4\\,{f}'(a_1) \\cdots {f}'(a_4) = {seed}$ instead of the identity's $2^4 = 16$ (dotted: $2^N$ explodes)."),
    ("below", None): N_("Since ${f}' \\leq {sup}$, the product is at most ${bound}$ (dashed), so it vanishes for every $|w| < {limit}$."),
    ("saturates", None): N_("Since ${f}' \\leq {sup}$, the product is at most ${bound}$ (dashed), the identity case; where the "
                            "activation saturates its derivative is small and the product falls below the bound."),
    ("identity", None): N_("Since ${f}' \\leq {sup}$, the product is at most ${bound}$ (dashed), the identity case."),
}
AFTER = {
    ("both", "steps"): N_("After $N = {n}$ unrolled steps the product is below one for $w = {below}$ and above one for $w = {above}$."),
    ("below", "steps"): N_("After $N = {n}$ unrolled steps the product is below one for $w = {below}$."),
    ("above", "steps"): N_("After $N = {n}$ unrolled steps the product is above one for $w = {above}$."),
    ("both", "layers"): N_("After $N = {n}$ layers the product is below one for $w = {below}$ and above one for $w = {above}$."),
    ("below", "layers"): N_("After $N = {n}$ layers the product is below one for $w = {below}$."),
    ("above", "layers"): N_("After $N = {n}$ layers the product is above one for $w = {above}$."),
}
