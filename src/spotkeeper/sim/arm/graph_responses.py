"""Azure Resource Graph's `SpotResources` table over HTTPS, answered from the simulated market
(`../shared/reference/azure.md` §5).

`POST /providers/Microsoft.ResourceGraph/resources` takes `{"subscriptions", "query",
"options"}`. The facade does not implement KQL; it understands the small subset the published
Spot queries use, and refuses anything else with a 400 naming the clause:

    SpotResources
    | where type =~ '<type>' [and <path> in~ ('a', 'b') and <path> =~ 'x' ...]
    | project name = tostring(sku.name), location, rate = tostring(properties.evictionRate)
    | extend ...            | order by <column> [asc|desc], ...      | limit N  (or take N)

`where` takes `=~`, `==`, `!=`, `!~`, `in~`, `in` and `!in~` on dotted paths; `project` and
`extend` take paths with `[n]` indexes, optionally wrapped in tostring/todouble/toreal/toint/
tolong. Two row types are served, one row per (size, region) the catalog prices:

    microsoft.compute/skuspotevictionrate/location          properties.evictionRate: the
        market's band ("0-5", "5-10", "10-15", "15-20", "20+")
    microsoft.compute/skuspotpricehistory/ostype/location   properties.osType (Linux, Windows),
        properties.spotPrices: [{effectiveDate, priceUSD}], index 0 the latest, one entry per
        price change over the last 90 days (Windows adds the catalog's licence uplift)

Results honour `options.$top` (default 100, at most 1000), `$skip` and `$skipToken`, and
`resultFormat` "objectArray" (default) or "table".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from spotkeeper.catalog import WINDOWS_LICENCE_PER_VCPU_HOUR_USD
from spotkeeper.sim.arm.calls import Call, Reply
from spotkeeper.sim.arm.wire import Json, iso, pick, required_text
from spotkeeper.sim.azure import SimAzure
from spotkeeper.sim.errors import ArmError

EVICTION_RATE = "microsoft.compute/skuspotevictionrate/location"
PRICE_HISTORY = "microsoft.compute/skuspotpricehistory/ostype/location"
HISTORY = timedelta(days=90)
DEFAULT_TOP, MAX_TOP = 100, 1000
Row = dict[str, Any]


def _invalid(message: str) -> ArmError:
    return ArmError(400, "InvalidQuery", f"Query is invalid: {message}", target="query")


# ----------------------------------------------------------------------------- rows


def _skeletons(sim: SimAzure, kinds: set[str]) -> list[Row]:
    rows: list[Row] = []
    catalog, market = sim.catalog, sim.market
    for region in sorted(catalog.regions):
        for size in catalog.sizes_in(region):
            price = catalog.price(region, size.name)
            if price is None or price.spot_hour is None:
                continue
            sku = size.name.lower()
            if EVICTION_RATE in kinds:
                band = market.eviction_band(region, size.name)
                if band is not None:
                    rows.append(
                        _row(sim, EVICTION_RATE, f"{sku}/{region}", region, sku, {"evictionRate": band})
                    )
            if PRICE_HISTORY in kinds:
                for os in ("Linux", "Windows"):
                    rows.append(
                        _row(sim, PRICE_HISTORY, f"{sku}/{os.lower()}/{region}", region, sku, {"osType": os})
                    )
    return rows


def _row(sim: SimAzure, kind: str, name: str, region: str, sku: str, properties: Json) -> Row:
    return {
        "id": f"/subscriptions/{sim.subscription_id}/providers/{kind}/{name}",
        "name": name,
        "type": kind,
        "tenantId": "00000000-0000-0000-0000-000000000000",
        "kind": "",
        "location": region,
        "resourceGroup": "",
        "subscriptionId": sim.subscription_id,
        "sku": {"name": sku},
        "properties": {"location": region, "skuName": sku, **properties},
    }


def _complete(sim: SimAzure, row: Row) -> Row:
    """Fill the price history of a price row (the costly part, done after filtering)."""
    if row["type"] != PRICE_HISTORY or "spotPrices" in row["properties"]:
        return row
    size = sim.catalog.size(row["sku"]["name"])
    assert size is not None
    region = row["location"]
    uplift = (
        WINDOWS_LICENCE_PER_VCPU_HOUR_USD * size.vcpus if row["properties"]["osType"] == "Windows" else 0.0
    )
    step = timedelta(
        hours=max(24.0, float(getattr(getattr(sim.market, "scenario", None), "price_period_h", 24.0)))
    )
    now = sim.now()
    points: list[Json] = []
    at, last = now, None
    while at > now - HISTORY:
        price = sim.market.spot_price(region, "", size.name, at)
        if price is not None and price != last:
            points.append({"effectiveDate": iso(at), "priceUSD": round(price + uplift, 6)})
            last = price
        at -= step
    row["properties"]["spotPrices"] = points
    return row


# ----------------------------------------------------------------------------- the query subset


_PATH = r"[A-Za-z_][\w]*(?:\[\d+\])?(?:\.[A-Za-z_][\w]*(?:\[\d+\])?)*"
_STRING = r"'(?:[^']*)'|\"(?:[^\"]*)\""
_COMPARE = re.compile(rf"^\s*(?P<path>{_PATH})\s*(?P<op>=~|==|!=|!~)\s*(?P<value>{_STRING})\s*$")
_MEMBER = re.compile(rf"^\s*(?P<path>{_PATH})\s+(?P<op>!in~|in~|in)\s*\((?P<values>.*)\)\s*$")
_CAST = re.compile(
    rf"^\s*(?:(?P<fn>tostring|todouble|toreal|toint|tolong)\s*\(\s*(?P<inner>{_PATH})\s*\)|(?P<path>{_PATH}))\s*$"
)


def _unquote(token: str) -> str:
    return token.strip()[1:-1]


def _value(row: Row, path: str) -> Any:
    current: Any = row
    for part in path.split("."):
        match = re.fullmatch(r"(\w+)(?:\[(\d+)\])?", part)
        assert match is not None
        current = pick(current, match[1]) if isinstance(current, dict) else None
        if match[2] is not None:
            current = (
                current[int(match[2])] if isinstance(current, list) and int(match[2]) < len(current) else None
            )
    return current


def _condition(clause: str) -> tuple[str, Callable[[Row], bool]]:
    if (match := _COMPARE.match(clause)) is not None:
        path, op, wanted = match["path"], match["op"], _unquote(match["value"])

        def compare(row: Row) -> bool:
            got = _value(row, path)
            text = "" if got is None else str(got)
            equal = text.lower() == wanted.lower() if op in ("=~", "!~") else text == wanted
            return equal if op in ("=~", "==") else not equal

        return path, compare
    if (match := _MEMBER.match(clause)) is not None:
        path, op = match["path"], match["op"]
        values = [_unquote(v) for v in re.findall(_STRING, match["values"])]
        folded = {v.lower() for v in values}

        def member(row: Row) -> bool:
            got = _value(row, path)
            text = "" if got is None else str(got)
            found = text in values if op == "in" else text.lower() in folded
            return not found if op == "!in~" else found

        return path, member
    raise _invalid(f"the condition '{clause.strip()}' is not supported by the simulator")


def _expression(text: str) -> Callable[[Row], Any]:
    match = _CAST.match(text)
    if match is None:
        raise _invalid(f"the expression '{text.strip()}' is not supported by the simulator")
    path = match["inner"] or match["path"]
    fn = match["fn"]

    def evaluate(row: Row) -> Any:
        value = _value(row, path)
        if fn is None or value is None:
            return value
        if fn == "tostring":
            return value if isinstance(value, str) else str(value)
        try:
            return float(value) if fn in ("todouble", "toreal") else int(float(value))
        except (TypeError, ValueError):
            return None

    return evaluate


def _columns(spec: str) -> list[tuple[str, Callable[[Row], Any]]]:
    columns = []
    for part in (p for p in spec.split(",") if p.strip()):
        name, _, expression = part.partition("=")
        if not expression:
            expression, name = name, name.strip().split(".")[-1].split("[")[0]
        columns.append((name.strip(), _expression(expression)))
    return columns


def run_query(sim: SimAzure, query: str) -> list[Row]:
    stages = [s.strip() for s in query.split("|")]
    if not stages or stages[0].lower() != "spotresources":
        raise _invalid(
            f"the table '{stages[0] if stages else ''}' is not served; the simulator serves SpotResources"
        )
    kinds = {EVICTION_RATE, PRICE_HISTORY}
    rows: list[Row] | None = None
    completed = False  # price histories filled (done once, before the first non-filter stage)
    for stage in stages[1:]:
        keyword, _, rest = stage.partition(" ")
        keyword = keyword.lower()
        if keyword == "where" and not completed:
            conditions = [_condition(c) for c in re.split(r"\s+and\s+", rest, flags=re.IGNORECASE)]
            on_type = [test for path, test in conditions if path.lower() == "type"]
            kinds = {k for k in kinds if all(test({"type": k}) for test in on_type)}
            if rows is None:
                rows = _skeletons(sim, kinds)
            if any(p.lower().startswith("properties.spotprices") for p, _ in conditions):
                rows = [_complete(sim, r) for r in rows]
            rows = [r for r in rows if all(test(r) for _, test in conditions)]
            continue
        if not completed:
            rows = [_complete(sim, r) for r in (_skeletons(sim, kinds) if rows is None else rows)]
            completed = True
        assert rows is not None
        if keyword == "where":
            conditions = [_condition(c) for c in re.split(r"\s+and\s+", rest, flags=re.IGNORECASE)]
            rows = [r for r in rows if all(test(r) for _, test in conditions)]
        elif keyword in ("project", "extend"):
            columns = _columns(rest)
            rows = [
                ({} if keyword == "project" else dict(r)) | {name: fn(r) for name, fn in columns}
                for r in rows
            ]
        elif keyword in ("order", "sort"):
            rows = _ordered(rows, re.sub(r"^\s*by\s+", "", rest, flags=re.IGNORECASE))
        elif keyword in ("limit", "take"):
            if not rest.strip().isdigit():
                raise _invalid(f"'{stage}' needs a row count")
            rows = rows[: int(rest)]
        else:
            raise _invalid(f"the operator '{keyword}' is not supported by the simulator")
    if not completed:
        rows = [_complete(sim, r) for r in (_skeletons(sim, kinds) if rows is None else rows)]
    assert rows is not None
    return rows


def _ordered(rows: list[Row], spec: str) -> list[Row]:
    keys = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        words = part.split()
        keys.append((words[0], len(words) < 2 or words[1].lower() != "asc"))  # KQL sorts desc by default
    for column, descending in reversed(keys):
        present = [(_sort_key(_value(r, column)), r) for r in rows if _value(r, column) is not None]
        missing = [r for r in rows if _value(r, column) is None]
        present.sort(key=lambda pair: pair[0], reverse=descending)
        rows = [r for _, r in present] + missing
    return rows


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int | float) else (1, str(value).lower())


# ----------------------------------------------------------------------------- the endpoint


def query_resources(call: Call) -> Reply:
    body = call.json_body()
    query = required_text(body, "query")
    options = pick(body, "options") or {}
    top = options.get("$top") if isinstance(options, dict) else None
    top = DEFAULT_TOP if top is None else int(top)
    if not 1 <= top <= MAX_TOP:
        raise ArmError(400, "InvalidRequestParameter", f"$top must be 1..{MAX_TOP}.", target="options.$top")
    token = options.get("$skipToken")
    skip = int(options.get("$skip") or 0) + (int(token) if isinstance(token, str) and token.isdigit() else 0)
    rows = run_query(call.sim, query)
    page = rows[skip : skip + top]
    response: Json = {
        "totalRecords": len(rows),
        "count": len(page),
        "resultTruncated": "false",
        "facets": [],
        "data": _formatted(page, str(options.get("resultFormat") or "objectArray")),
    }
    if skip + top < len(rows):
        response["$skipToken"] = str(skip + top)
    return Reply(200, response)


def _formatted(rows: list[Row], result_format: str) -> Any:
    if result_format.lower() != "table":
        return rows
    names: list[str] = []
    for row in rows:
        names += [k for k in row if k not in names]
    columns = [
        {"name": n, "type": _kql_type(next((r[n] for r in rows if r.get(n) is not None), None))}
        for n in names
    ]
    return {"columns": columns, "rows": [[row.get(n) for n in names] for row in rows]}


def _kql_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "real"
    if isinstance(value, dict | list):
        return "object"
    return "string"
