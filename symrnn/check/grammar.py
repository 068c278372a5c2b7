"""The grammar of typed gradients (lark, LALR), embedded as a string so no package data is needed.

Matrix semantics: juxtaposition, ``@`` and ``\\cdot`` are matrix products (non-commutative);
``\\odot``, ``⊙``, ``\\circ`` and ``*`` are elementwise; all products have one precedence and
associate to the left, as in NumPy, and the echo ("read as ...") shows the grouping. A big
operator (``\\sum_{t=1}^{T}``, ``sum_t``, ``\\prod``, ``\\bigodot``) takes the whole product that follows it,
up to the next ``+``/``-`` at its level; a factor may precede it (``\\frac{1}{T} \\sum_t ...``).

Postfix on a factor: subscripts ``_x`` / ``_{...}`` (names and time indices), superscripts
``^T``, ``^{\\top}``, ``^{(2)}`` (layer), ``^{T-i}`` (power), ``.T`` and ``ᵀ`` (transpose), and
``[t-1]`` (time index). Index expressions are affine: ``t``, ``t+1``, ``T-i``, ``T+t-i``, ``2``.

Only whitelisted LaTeX commands have terminals; anything else is refused before lark runs
(``parse.py``), so ``\\input``, ``\\def`` and ``\\csname`` never reach the parser.
"""

GRAMMAR = r"""
?start: expr

?expr: expr PLUS term        -> add
     | expr MINUS term       -> sub
     | term

?term: MINUS term            -> neg
     | PLUS term             -> pos
     | bigop term            -> big
     | product bigop term    -> coef_big
     | product MULOP bigop term -> coef_big_op
     | product

?product: product MULOP factor   -> binop
        | product SLASH factor   -> div
        | product factor         -> juxt
        | factor

?factor: factor "_" subarg       -> sub_
       | factor "^" suparg       -> sup
       | factor POW suparg       -> sup
       | factor TICK             -> tick
       | factor "[" idx "]"      -> index
       | atom

?atom: LPAR expr RPAR            -> group
     | "{" expr "}"              -> brace
     | NUMBER                    -> number
     | NAME                      -> name
     | wrapped
     | FUNC PRIME? LPAR expr RPAR -> call
     | FUNC "^" NUMBER LPAR expr RPAR -> call_pow
     | FUNC "^" "{" NUMBER "}" LPAR expr RPAR -> call_pow
     | PRODFN LPAR expr "," expr RPAR -> prodfn
     | FRAC "{" expr "}" "{" expr "}" -> frac
     | PARTIAL                   -> partial
     | DELTA                     -> delta
     | ADJ NAME                  -> adj_name
     | ADJ wrapped               -> adj_name

wrapped: WRAP winner "}"
?winner: NAME | NUMBER | wrapped

bigop: SUMOP sumsub? sumsup?
sumsub: "_" NAME                 -> sub_simple
      | "_" "{" NAME "}"         -> sub_simple
      | "_" "{" NAME "=" idx "}" -> sub_range
sumsup: "^" NAME                 -> sup_simple
      | "^" NUMBER               -> sup_simple
      | "^" "{" idx "}"          -> sup_braced

subarg: NAME                     -> subarg_simple
      | NUMBER                   -> subarg_simple
      | TEXTWRAP NAME "}"        -> subarg_text
      | "{" TEXTWRAP NAME "}" "}" -> subarg_text
      | "{" idx ("," idx)* "}"   -> subarg_list
      | "{" "}"                  -> subarg_empty

suparg: NAME                     -> suparg_simple
      | NUMBER                   -> suparg_simple
      | TOP                      -> suparg_top
      | "{" TOP "}"              -> suparg_top
      | "{" LPAR NUMBER RPAR "}" -> suparg_layer
      | "{" LPAR NUMBER RPAR TOP "}" -> suparg_layer_top
      | "{" idx "}"              -> suparg_idx
      | LPAR idx RPAR            -> suparg_paren

idx: MINUS? iterm ((PLUS | MINUS) iterm)*
iterm: NUMBER                    -> iterm_num
     | NAME                      -> iterm_name
     | NUMBER NAME               -> iterm_coef

POW.3: "**"
ADJ.5: /dL\s*\/\s*d(?=[A-Za-z])|\\partial\s*L\s*\/\s*\\partial(?![A-Za-z])/
PLUS: "+"
MINUS: /-|\u2212/
SLASH: "/"
PRIME: "'"
LPAR.2: /\\left\s*\(|\\left\s*\[|\\[bB]igg?l?\s*\(|\\[bB]igg?l?\s*\[|\(/
RPAR.2: /\\right\s*\)|\\right\s*\]|\\[bB]igg?r?\s*\)|\\[bB]igg?r?\s*\]|\)/
MULOP.2: /@|\*|\\odot(?![A-Za-z])|\\circ(?![A-Za-z])|\\cdot(?![A-Za-z])|\\times(?![A-Za-z])|\u2299|\u00b7/
TICK.3: /\.T(?![A-Za-z0-9_])|\u1d40/
TOP.4: /\\top(?![A-Za-z])|\\intercal(?![A-Za-z])|\\mathsf\s*\{\s*T\s*\}|\\mathrm\s*\{\s*T\s*\}/
FRAC.3: /\\frac(?![A-Za-z])|\\dfrac(?![A-Za-z])|\\tfrac(?![A-Za-z])/
PARTIAL.3: /\\partial(?![A-Za-z])|\u2202/
DELTA.3: /\\delta(?![A-Za-z])|\u03b4/
SUMOP.3: /\\sum(?![A-Za-z])|\\prod(?![A-Za-z])|\\bigodot(?![A-Za-z])|\u2211|\u220f|\u2a00|sum(?![A-Za-z0-9])|prod(?![A-Za-z0-9])|odot(?=\s*_)/
FUNC.4: /\\(?:operatorname|mathrm|text|mathop|textrm)\s*\{\s*(?:diag|sigmoid|relu|softmax|tanh|sigma|id|sum\\?_rows)\s*\}|\\(?:tanh|sigma|phi)(?![A-Za-z])|\u03c3|(?:tanh|sigmoid|sigma|relu|diag|softmax|sum_rows)(?![A-Za-z0-9_])|f(?=')/
PRODFN.5: /\\(?:textrm|text|mathrm|operatorname)\s*\{\s*prod\s*\}/
TEXTWRAP.4: /\\(?:textrm|text|mathrm|mathit|mathsf|textit)\s*\{(?=\s*[A-Za-z0-9]+\s*\})/
WRAP.3: /\\(?:mathbf|boldsymbol|bm|mathit|mathrm|mathcal|vec|tilde|hat|widetilde|widehat|mathsf|textbf|mathnormal)\s*\{/
NAME: /[A-Za-z][A-Za-z0-9]*/
NUMBER: /[0-9]+(?:\.[0-9]+)?/

IGNORED: /\\[,;:! ]|\\quad(?![A-Za-z])|\\qquad(?![A-Za-z])|\\displaystyle(?![A-Za-z])|\\limits(?![A-Za-z])|\\nolimits(?![A-Za-z])|\\left\s*\.|\\right\s*\.|~/
%ignore IGNORED
%ignore /[ \t\r\n]+/
"""

ALLOWED_COMMANDS = frozenset(
    ["left", "right", "big", "bigl", "bigr", "Big", "Bigl", "Bigr", "bigg", "biggl", "biggr", "Bigg", "Biggl", "Biggr", "odot", "circ", "cdot", "times", "top", "intercal", "mathsf", "frac", "dfrac", "tfrac", "partial", "delta", "sum", "prod", "bigodot", "operatorname", "mathrm", "text", "mathop", "textrm", "tanh", "sigma", "phi", "mathbf", "boldsymbol", "bm", "mathit", "mathcal", "vec", "tilde", "hat", "widetilde", "widehat", "textbf", "mathnormal", "quad", "qquad", "displaystyle", "limits", "nolimits"]
)
"""LaTeX commands the grammar knows; any other ``\\word`` is refused with its position."""

ALLOWED_SYMBOLS = {"\\,", "\\;", "\\:", "\\!", "\\ ", "\\_"}

ALLOWED_UNICODE = {"\u2299": "⊙", "\u1d40": "ᵀ", "\u03c3": "σ", "\u03b4": "δ", "\u2202": "∂", "\u2211": "∑", "\u220f": "∏", "\u00b7": "·",
                   "\u2212": "−"}
"""Non-ASCII characters accepted (each maps to a LaTeX command); any other is refused."""
