"""Generated hostile inputs for tests/test_hostile.py: at least 300 per entry point, deterministic.

Each generator crosses a list of payloads (code injection, TeX and spreadsheet tricks, terminal
escapes, Unicode lookalikes, huge and non-finite numbers, deep nesting) with the ways they reach
an entry point (a prefix, a wrapper, a field), and keeps the first occurrence of each input.
"""

from __future__ import annotations

import itertools
import os
import tempfile

PAYLOADS = [
    "__import__('os').system('touch pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "eval('1+1')", "exec('x=1')", "open('/etc/passwd').read()", "lambda: 0", "{W_hh.__init__.__globals__}",
    r"\input{/etc/passwd}", r"\include{secrets}", r"\def\x{W_hh}\x", r"\csname W_hh\endcsname",
    r"\immediate\write18{ls}", r"\openin5=/etc/passwd", r"\catcode`\^=12", r"\newcommand{\x}{y}", r"\verb|x|",
    r"\url{file:///etc/passwd}", r"\href{javascript:alert(1)}{x}", "$(rm -rf /)", "`id`", "W_hh; rm -rf /",
    "=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(A1:A2)", "\uff1dHYPERLINK(\"x\")",
    "\x1b[2J\x1b]0;pwned\x07", "\x9b31m", "\x00", "\x7f", "\u202e", "\u2066x\u2069", "\u200d", "\ufeff",
    "\u0412_hh", "\uff37_hh", "W\u0335_hh", "\U0001f600", "\ud7ff", "\u2028", "\r", "\r\n", "\t",
    "9**9**9**9", "9^{9^{9^{9}}}", "W_hh^{999999999}", "(W_hh^T)^{99999}", "(T T T T T T T T)^{64} W_hh",
    "(W_hh^{2})^{3}", "1" * 400, "1e308*1e308", "nan", "inf", "-inf", "0/0", "1/0",
    "(" * 200 + "W_hh" + ")" * 200, "-" * 500 + "W_hh", "{" * 100 + "}" * 100, "[" * 60,
    "sum_{t=1}^{99999} dL_dh[t] @ h[t-1].T", "sum_t sum_i sum_j sum_k dL_dh[t]",
    "<script>alert(1)</script>", "]]></text><x>", "<!--", "|", "\\", "\\\\", "%", "#", "&", "~", "^", "_", "{}",
    '"quoted", "x"', "a,b,c", "a;b;c", "line1\nline2\r\nline3", "", " ", "\n\n",
]

FORMULA_WRAPPERS = [
    "@@", "W_hh + @@", "@@ + W_hh", r"\frac{@@}{T}", r"\frac{{@@}}{{T}}", "sum_t (@@) @ h[t-1].T", "(@@)", "@@.T",
    r"\sigma'(@@)", "diag(@@)", "@@ \\odot W_hh",
]


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))


def formulas() -> list[str]:
    """Typed answers: every payload in every wrapper (about 800)."""
    return _unique(w.replace("@@", p) for w, p in itertools.product(FORMULA_WRAPPERS, PAYLOADS))


SPEC_FIELDS = {
    "name": "'{}'", "title": "'{}'", "cell": "'{}'", "activation": "'{}'", "loss": "'{}'", "reduction": "'{}'",
    "notation": "'{}'", "shape": "'{}'", "hidden_size": "{}", "input_size": "{}", "steps": "{}", "layers": "{}",
    "batch": "{}", "bias": "{}",
}
SPEC_VALUES = [
    "0", "-1", "1.5", "1e9", "nan", "inf", "-inf", "true", "'3'", "[]", "{}", "2" * 400, "9" * 5000,
    "0x7fffffffffffffff", "-0", "+2", "[1, 2]", "{a = 1}", "'rnn'", "'lstm'", "'identity'", "'tanh'",
]
BASE_FIELDS = {"name": "'x'", "network": "'rnn'", "cell": "'rnn'", "activation": "'tanh'", "input_size": "2",
               "hidden_size": "2", "output_size": "2"}
SPEC_BASE = "".join(f"{k} = {v}\n" for k, v in BASE_FIELDS.items())


def _spec_with(field: str, value: str) -> str:
    """The base spec with ``field`` set to the TOML ``value`` (replacing the base's own line)."""
    return "".join(f"{k} = {v}\n" for k, v in {**BASE_FIELDS, field: value}.items())


def _toml_string(text: str) -> str:
    return "'''" + text.replace("'''", "") + "'''" if "\n" not in text and "'" not in text else '"' + "".join(
        c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in text) + '"'


def spec_texts() -> list[str]:
    """TOML specs: hostile strings and numbers in every field, and hostile [example] values (about 900)."""
    out = []
    for field, value in itertools.product(SPEC_FIELDS, SPEC_VALUES):
        out.append(_spec_with(field, value))
    for field, payload in itertools.product(("name", "title", "cell", "activation", "loss"), PAYLOADS):
        out.append(_spec_with(field, _toml_string(payload)))
    for value in ("1" * 400, "1e400", "nan", "inf", "[[1e308, 1e308]]", "'x'", "[[[[1]]]]", "[" * 300 + "]" * 300,
                  "[[0.5, 0.1], [0.0]]", "{x = 1}", "true", "9" * 5000):
        out.append(SPEC_BASE + f"\n[example]\nW_hh = {value}\n")
    out += ["[" * 1000, "a = " + "[" * 500 + "]" * 500, "\x00", "network = 'rnn'\n" * 3, "= 1", "\ufeffnetwork = 'rnn'"]
    return _unique(out)


def titles() -> list[str]:
    """Report titles: every payload alone, inside text and doubled (about 300)."""
    return _unique(itertools.chain.from_iterable((p, f"with {p} inputs", p + p) for p in PAYLOADS + [
        "with $\\xi$ inputs", "$$", "\\(", "\\[", "\\]", "\\end{document}", "\\begin{verbatim}", "![x](file:///etc/passwd)",
        "[x](javascript:alert(1))", "<img src=x onerror=alert(1)>", "{{ 7*7 }}", "{% raw %}", "${7*7}", "#{7*7}",
        "\\verb|x|", "\\string\\input", "^^5cinput", "\\lowercase{\\input}", "\\expandafter", "\\jobname",
        "\\newwrite\\f", "\\special{x}", "\\directlua{os.exit()}", "\\pdfprimitive", "{" * 50, "}" * 50,
    ]))


def csv_texts() -> list[str]:
    """Submission files: payloads as ids and answers, in each delimiter, and malformed layouts (about 500)."""
    out = []
    for delimiter, payload in itertools.product((",", ";", "\t"), PAYLOADS):
        quoted = '"' + payload.replace('"', '""') + '"'
        out.append(delimiter.join(("id", "grad", "answer")) + "\n" + delimiter.join((quoted, "W_hh", quoted)) + "\n")
        out.append(f"answer\n{payload}\n")
    for n in range(1, 60):
        out.append("id,answer\n" + ("a," * n) + "W_hh\n")
        out.append('id,answer\n' + "x," + '"' * n + "\n")
    out += ["", "\ufeff", "\ufeffanswer\n", "answer\r\nW_hh\r\n", "answer\rW_hh\r", "id|answer\n1|x\n", "\x00answer\n",
            "answer,answer\nx,y\n", "ANSWER\nx\n", "answer\n" + "x\n" * 2000, "answer\n" + "y" * 100000 + "\n",
            'answer\n"' + "z" * 10000, "a" * 5000 + ",answer\n1,2\n"]
    return _unique(out)


def function_refs(tmp) -> list[str]:
    """``--function`` references: paths and names that must be refused before anything runs (about 300)."""
    names = ["grads", "", "1x", "a b", "__import__('os')", "x:y", "../x", "\x1b[2J", "é", "grads()", "a.b", "__class__",
             "\u202egrads", "g" * 300, "$(id)"]
    paths = [f"{tmp}/missing.py", f"{tmp}/mine.txt", f"{tmp}/mine", f"{tmp}/dir.py", "/dev/zero", "/dev/null",
             "/etc/passwd", "/proc/self/environ", f"{tmp}/fifo.py", f"{tmp}/big.py", f"{tmp}/link.txt", "",
             "-", "~", "\x00.py", "a\nb.py", "\x1b]0;x\x07.py", "http://x/y.py", "C:\\x.py", "." * 300 + ".py",
             f"{tmp}/" + "a" * 300 + ".py"]
    out = [f"{p}:{n}" for p, n in itertools.product(paths, names)]
    out += [p for p in paths] + ["::", ":", ":grads", "grads"]
    return _unique(out)


MARKER = os.path.join(tempfile.gettempdir(), "pwned-by-function")
"""Where the "writes a file" function tries to write: the test checks it never appears."""

FUNCTION_BODIES = {
    "sys.exit at load": "import sys\nsys.exit(0)\n",
    "sys.exit in call": "import sys\ndef grads(p, d):\n    sys.exit(3)\n",
    "os._exit": "import os\ndef grads(p, d):\n    os._exit(0)\n",
    "segfault": "import ctypes\ndef grads(p, d):\n    ctypes.string_at(0)\n",
    "raise at load": "raise RuntimeError('\\x1b[2J boom')\n",
    "syntax error": "def grads(p, d)\n    return {}\n",
    "no such function": "def other(p, d):\n    return {}\n",
    "not callable": "grads = 3\n",
    "returns None": "def grads(p, d):\n    return None\n",
    "returns a list": "def grads(p, d):\n    return [1, 2]\n",
    "returns strings": "def grads(p, d):\n    return {k: 'x' for k in p}\n",
    "returns huge": "import numpy as np\ndef grads(p, d):\n    return {'W_hh': np.zeros(10**8)}\n",
    "returns nan": "import numpy as np\ndef grads(p, d):\n    return {k: np.full_like(a, np.nan) for k, a in p.items()}\n",
    "returns inf": "import numpy as np\ndef grads(p, d):\n    return {k: np.full_like(a, np.inf) for k, a in p.items()}\n",
    "array raises": "class E:\n    def __array__(self, *a, **k):\n        raise ValueError('no')\n"
                    "def grads(p, d):\n    return {k: E() for k in p}\n",
    "non-str keys": "def grads(p, d):\n    return {1: 2, None: 3, (1,): 4}\n",
    "memory bomb": "def grads(p, d):\n    x = []\n    while True:\n        x.append(bytearray(10**7))\n",
    "python loop": "def grads(p, d):\n    while True:\n        pass\n",
    "c loop": "import itertools\ndef grads(p, d):\n    return sum(itertools.repeat(1))\n",
    "sigalrm ignored": "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                       "signal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    try:\n        pass\n"
                       "    except BaseException:\n        pass\n",
    "sleep": "import time\ndef grads(p, d):\n    time.sleep(100)\n",
    "fork bomb": "import os\ndef grads(p, d):\n    for _ in range(50):\n        if os.fork() == 0:\n            import time\n"
                 "            time.sleep(100)\n    return {}\n",
    "reads a file": "def grads(p, d):\n    open('/etc/shadow').read()\n    return {}\n",
    "writes a file": f"def grads(p, d):\n    open({MARKER!r}, 'w').write('x')\n    return {{}}\n",
    "prints escapes": "import sys\nprint('\\x1b[2J')\nsys.stderr.write('\\x1b]0;x\\x07')\ndef grads(p, d):\n    return {}\n",
    "patches the tolerance": "def grads(p, d):\n    import symrnn.check.function as f\n    f.RTOL = 1e300\n    return {}\n",
    "deep recursion": "def grads(p, d):\n    return grads(p, d)\n",
    "forges result.json": "import json, os, sys\ndef grads(p, d):\n    out = sys.argv[2]\n"
                          "    json.dump({'status': 'ok', 'draws': 'x'}, open(os.path.join(out, 'result.json'), 'w'))\n"
                          "    os._exit(0)\n",
}
