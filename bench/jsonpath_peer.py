"""The Python peer for scripts/bench-jsonpath.sh: the same document and allowlist with jsonpath-rfc9535 (PyPI).

selection: json.loads + every path's find(); minimisation: that, plus rebuilding a document that keeps the
selected nodes (ancestors as containers, arrays compacted in order), masking the card number, json.dumps.
"""
import json, sys, time
import jsonpath_rfc9535 as jp

PATHS = ["$.request_id", "$.order.id", "$.order.amount", "$.order.currency", "$.consignee.name", "$.consignee.phone",
         "$.consignee.address", "$.items[*].sku", "$.items[*].qty", "$.payment.card_number"]

def keep(doc, queries):
    tree = {}
    for q in queries:
        for node in q.find(doc):
            cur = tree
            parts = list(node.location)
            for part in parts[:-1]:
                cur = cur.setdefault(part, {})
            cur[parts[-1] if parts else None] = (q, node.value)
    def build(value, sub):
        if isinstance(sub, tuple):
            q, v = sub
            return ("****" + str(v)[-4:]) if q is CARD else v
        if isinstance(value, dict):
            return {k: build(value[k], sub[k]) for k in value if k in sub}
        if isinstance(value, list):
            return [build(value[i], sub[i]) for i in range(len(value)) if i in sub]
        return value
    return build(doc, tree)

def main():
    text = open(sys.argv[1], "rb").read()
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    queries = [jp.compile(p) for p in PATHS]
    global CARD
    CARD = queries[-1]
    def bench(fn):
        for _ in range(200): fn()
        t = time.perf_counter()
        for _ in range(n): fn()
        return (time.perf_counter() - t) / n
    sel = bench(lambda: [q.find(doc) for doc in [json.loads(text)] for q in queries])
    out = json.dumps(keep(json.loads(text), queries), separators=(",", ":"))
    mini = bench(lambda: json.dumps(keep(json.loads(text), queries), separators=(",", ":")))
    mb = len(text) / 1e6
    print(f"# python {sys.version.split()[0]} jsonpath-rfc9535, {len(PATHS)} paths, document {len(text)} B -> {len(out)} B, {n} documents")
    print(f"python   selection     {sel*1e6:8.2f} µs/doc  {mb/sel:7.1f} MB/s")
    print(f"python   minimisation  {mini*1e6:8.2f} µs/doc  {mb/mini:7.1f} MB/s")

CARD = None
main()
