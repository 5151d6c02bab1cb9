#!/usr/bin/env python3
"""Rewards against the vendor's own list of orders, after a chaos run.

Usage: vendor_invariants.py REWARDS_TSV ORDERS_JSON
REWARDS_TSV: idempotency_key, state, error of every reward (tab-separated); ORDERS_JSON: the
vendor sandbox's GET /v1/_orders. Prints "rewards fulfilled failed failed_placed orders
asynchronous" and exits 0, or prints the broken invariants (at most 20) and exits 1.
"""
import collections, json, sys
rewards = {}
for line in open(sys.argv[1]):
    key, state, error = line.rstrip("\n").split("\t")
    rewards[key] = (state, error)
orders = json.load(open(sys.argv[2]))["orders"]
problems = []
by_ref = collections.Counter(o["external_reference"] for o in orders)
problems += [f"{ref}: {n} vendor orders" for ref, n in by_ref.items() if n > 1]
status = {o["external_reference"]: o["status"] for o in orders}
problems += [f"vendor order for unknown key {ref}" for ref in status if ref not in rewards]
fulfilled = failed = failed_placed = 0
for key, (state, error) in rewards.items():
    if state == "fulfilled":
        fulfilled += 1
        if status.get(key) != "completed":
            problems.append(f"{key}: fulfilled, but its vendor order is {status.get(key)}")
    elif state == "failed":
        failed += 1
        if not error:
            problems.append(f"{key}: failed without a reason")
        if key in status:
            failed_placed += 1
            if status[key] not in ("failed", "cancelled"):
                problems.append(f"{key}: failed ({error}), but its vendor order is {status[key]}")
    else:
        problems.append(f"{key}: still {state}")
# Each reward key has at most one vendor order (the vendor's external_reference is the key), so
# the orders are the rewards that reached the vendor: every fulfilled reward (it has a completed
# order) plus the failed rewards whose order failed at the vendor. A failed reward with no order
# never reached it; a failed reward with a live order, or an order with no reward, would be money
# spent for nothing.
if len(orders) != fulfilled + failed_placed:
    problems.append(f"{len(orders)} vendor orders != {fulfilled} fulfilled + {failed_placed} "
                    "failed after being placed")
if problems:
    print("\n".join(problems[:20]))
    sys.exit(1)
asynchronous = sum(1 for o in orders if o["brand_id"] == "cinema")
print(len(rewards), fulfilled, failed, failed_placed, len(orders), asynchronous)
