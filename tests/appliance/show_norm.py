"""show_norm.py: a show command's output (text, `| display xml` or `|
display json`) on stdin, on stdout with only what must vary between runs
masked, the layout kept (tests/appliance/show_golden.sh).

Masked: cookies and SPIs (h, same width), lifetimes and allocated index
numbers (#), byte/packet/negotiation counts (#), tunnel event times.  A
right-aligned counter keeps its right edge and a left-aligned column value
its width, so a golden still pins every column; a value inside a sentence
becomes one #.
"""
import re
import sys


def hexmask(m):
    return "h" * len(m.group(0))


def left(s):
    """A left-aligned value: # then spaces, the same width."""
    return "#" + " " * (len(s) - 1)


def right(s):
    """A right-aligned value: spaces then #, the same width."""
    return " " * (len(s) - 1) + "#"


def groups(line, m, how):
    """line with each group of match m replaced by how(group text)."""
    out, last = [], 0
    for g in range(1, m.lastindex + 1):
        out.append(line[last:m.start(g)])
        out.append(how(m.group(g)))
        last = m.end(g)
    return "".join(out) + line[last:]


# (pattern, how): every group of a matching line is masked by how
TEXT = [
    # show ike security-associations [brief]: the index, left-aligned
    (re.compile(r"^(\d+ *) (?:UP|DOWN) "), left),
    # detail: the index, the remaining lifetimes
    (re.compile(r"Index:? (\d+)"), lambda s: "#"),
    (re.compile(r"Expires in (\d+) seconds"), lambda s: "#"),
    # counters right-aligned at a fixed edge
    (re.compile(r"^   (?:Input |Output)(?: bytes  | packets|"
                r" fragmentated packets):( +\d+)$"), right),
    (re.compile(r"^  (?:En|De)crypted (?:bytes|packets):( +\d+)$"), right),
    (re.compile(r"^  Discarded: (\d+)$"), lambda s: "#"),
    # ipsec brief: the remaining seconds
    (re.compile(r"^  [<>]\d+ \S+ \S+ (\d+)/"), lambda s: "#" * len(s)),
    # ipsec detail and inactive-tunnels: negotiation counts
    (re.compile(r"Nego#: (\d+), Fail#: (\d+)"), lambda s: "#"),
    (re.compile(r"^  \d+ +\d+ +(\d+ +)(\d+ +)"), left),
    # tunnel events: when
    (re.compile(r"^    (\w{3} \w{3} \d\d \d{4} \d\d:\d\d:\d\d):"),
     lambda s: "Ddd Mmm dd yyyy hh:mm:ss"),
]
COOKIE = re.compile(r"\b[0-9a-f]{16}\b")
SPI = re.compile(r"(?<=0x)[0-9a-f]{8}\b")

# `| display xml|json`: the elements whose values vary
VARY = {
    "ike-sa-index": "#",
    "ike-sa-initiator-cookie": "h",
    "ike-sa-responder-cookie": "h",
    "sa-spi": "h",
    "sa-hard-lifetime": "#",
    "sa-soft-lifetime": "#",
    "ike-sa-lifetime": "#",
    "sa-lifetime": "#",
}
XML = re.compile(r"<([a-z0-9-]+)>([^<]*)</\1>")
JSON_KEY = re.compile(r'^\s*"([a-z0-9-]+)" : \[$')
JSON_DATA = re.compile(r'^(\s*"data" : ")([^"]*)(")')


def mask_value(kind, v):
    if kind == "h":
        return re.sub(r"(?<=0x)[0-9a-f]+|^[0-9a-f]+$", hexmask, v)
    return re.sub(r"\d+", "#", v)


def text(line):
    for pat, how in TEXT:
        m = pat.search(line)
        if m:
            line = groups(line, m, how)
    line = COOKIE.sub(hexmask, line)
    return SPI.sub(hexmask, line)


def main():
    key, out = None, []
    for line in sys.stdin.read().split("\n"):
        m = JSON_KEY.match(line)
        if m:
            key = m.group(1)
        elif JSON_DATA.match(line) and key in VARY:
            d = JSON_DATA.match(line)
            line = (d.group(1) + mask_value(VARY[key], d.group(2)) +
                    line[d.end(2):])
        elif XML.search(line):
            line = XML.sub(lambda x: "<%s>%s</%s>" % (
                x.group(1), mask_value(VARY[x.group(1)], x.group(2))
                if x.group(1) in VARY else x.group(2), x.group(1)), line)
        else:
            line = text(line)
        out.append(line)
    sys.stdout.write("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
