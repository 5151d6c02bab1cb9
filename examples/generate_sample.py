#!/usr/bin/env python3
"""Generates the sample contact centre that scripts/demo.sh uses.

    python3 examples/generate_sample.py
        writes agents.csv, events-2026-10.csv and events-bad.csv next to this script.

    python3 examples/generate_sample.py --rows 200000 --out events-200k.csv
        writes a synthetic events file of that many valid rows for the agents in agents.csv
        (used by scripts/bench-import.sh).

The output is a pure function of the seed: run it twice and the files are byte-identical. The
sample is "Fjord & Co Customer Care", a Stockholm contact centre with phone, email and chat
teams. Agents differ in underlying quality, so the October 2026 leaderboard has a story: a
strong agent is stopped by the complaints gate, a strong new hire is not yet eligible, an agent
who left mid-month is inactive, two agents have too few surveys to be trusted, and a few
"rushers" keep handle time very low at the cost of satisfaction and repeat contacts.

Python 3 standard library only.
"""

import argparse
import csv
import datetime as dt
import math
import os
import random
import sys
import types
import unicodedata

SEED = 20261031
YEAR, MONTH = 2026, 10
DAYS_IN_MONTH = 31
# Europe/Stockholm leaves summer time on Sunday 2026-10-25 at 03:00 local (+02:00), when clocks
# go back to 02:00 (+01:00): local times from 02:00 to 03:00 that night happen twice.
DST_END_DAY = 25

HERE = os.path.dirname(os.path.abspath(__file__))

AGENTS_HEADER = ["id", "display_name", "email", "team", "channel", "hire_date", "status"]
EVENTS_HEADER = ["event_id", "agent_id", "metric", "value", "occurred_at"]

# (team, channel, shift start hour, shift length in hours, works weekends)
TEAMS = [
    ("Nordic Phones", "phone", 8, 9, False),
    ("Sales Desk", "phone", 10, 9, False),
    ("Care Email", "email", 8, 9, False),
    ("Billing Email", "email", 9, 8, False),
    ("Live Chat", "chat", 9, 9, True),
    ("Night Chat", "chat", 18, 9, True),  # 18:00 to 03:00, across midnight
]
TEAM_SIZES = {
    "Nordic Phones": 12,
    "Sales Desk": 12,
    "Care Email": 10,
    "Billing Email": 8,
    "Live Chat": 10,
    "Night Chat": 8,
}

NAMES = [
    "Zoë Lindqvist", "Jürgen Öberg", "Saoirse Ní Bhriain", "Erik Johansson", "Maja Andersson",
    "Lars Nilsson", "Amira Haddad", "Oskar Bergström", "Elin Karlsson", "Mohammed Al-Sayed",
    "Sofia Lundgren", "Björn Sandberg", "Freja Holm", "Aleksander Nowak", "Ingrid Dahl",
    "Niklas Virtanen", "Aino Mäkinen", "Emil Sørensen", "Ida Pettersson", "Hassan Yilmaz",
    "Linnea Ekström", "Mateo García", "Astrid Håkansson", "Jonas Wikström", "Noor Rahimi",
    "Filip Novák", "Klara Engström", "Viktor Lindberg", "Hanna Sjöberg", "Daniel O'Connor",
    "Leila Karimi", "Gustav Nyberg", "Ebba Forsberg", "Tomás Ó Súilleabháin", "Wilma Axelsson",
    "Anders Lund", "Priya Raman", "Henrik Strand", "Sara Jovanović", "Mikael Isaksson",
    "Julia Hedlund", "Kenji Watanabe", "Alva Nordin", "Rasmus Kjær", "Nora Eriksen",
    "Ahmed Osman", "Ella Blom", "Samuel Mensah", "Tuva Åberg", "Lukas Schmidt",
    "Moa Lindholm", "Wei Chen", "Siri Bäckström", "Fredrik Holmberg", "Yasmin Abdi",
    "Olle Magnusson", "Agnieszka Wójcik", "Isak Berglund", "Malin Fransson", "Łukasz Kowalczyk",
]

# Letters that Unicode decomposition does not reduce to ASCII.
ASCII_FOLD = {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ł": "l", "Ł": "L", "ß": "ss", "đ": "d"}


def ascii_fold(text):
    text = "".join(ASCII_FOLD.get(c, c) for c in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if ord(c) < 128)


def email_for(name):
    first, _, last = name.partition(" ")
    local = ascii_fold(first) + "." + ascii_fold(last).replace(" ", ".").replace("'", "")
    return local.lower() + "@example.com"


# --- time -----------------------------------------------------------------------------------


def stockholm_offset_hours(local, rng):
    """UTC offset of a naive Stockholm local time in October 2026 (the repeated hour is drawn)."""
    if local.day < DST_END_DAY or (local.day == DST_END_DAY and local.hour < 2):
        return 2
    if local.day == DST_END_DAY and local.hour == 2:
        return rng.choice((2, 1))
    return 1


def rfc3339(local, offset_hours, as_utc):
    if as_utc:
        utc = local - dt.timedelta(hours=offset_hours)
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return local.strftime("%Y-%m-%dT%H:%M:%S") + "+%02d:00" % offset_hours


def utc_of(local, offset_hours):
    return local - dt.timedelta(hours=offset_hours)


# --- small random helpers -------------------------------------------------------------------


def poisson(rng, lam):
    # Knuth's method; fine for the small rates used here.
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def binomial(rng, n, p):
    return sum(1 for _ in range(n) if rng.random() < p)


def clamp(x, lo, hi):
    return max(lo, min(hi, x))


# --- agents ---------------------------------------------------------------------------------


def make_agents(rng):
    names = NAMES[:]
    rng.shuffle(names)
    slots = []
    for team, channel, start, length, weekends in TEAMS:
        slots += [(team, channel, start, length, weekends)] * TEAM_SIZES[team]
    rng.shuffle(slots)

    agents = []
    for i, (name, slot) in enumerate(zip(names, slots), start=1):
        a = types.SimpleNamespace()
        a.id = "a%03d" % i
        a.name = name
        a.email = email_for(name)
        a.team, a.channel, a.shift_start, a.shift_hours, a.weekends = slot
        a.quality = clamp(rng.gauss(0.0, 1.0), -2.2, 2.2)
        # Hired between 2019 and the summer of 2026; special cases below move some.
        a.hire_date = dt.date(2019, 1, 7) + dt.timedelta(days=rng.randrange(0, 2770))
        a.active = True
        a.first_day, a.last_day = 1, DAYS_IN_MONTH
        a.rusher = False
        a.surveys = rng.randint(22, 40)
        a.complaints = None  # drawn from quality unless set
        agents.append(a)

    # Ranked once, before the special cases below change anyone's quality.
    ranked = {c: sorted((a for a in agents if a.channel == c), key=lambda a: -a.quality)
              for c in ("phone", "email", "chat")}

    def strongest(channel, rank):
        return ranked[channel][rank]

    # Strong agents stopped by the complaints gate (max 2 in the month).
    for channel, rank, n in (("phone", 0, 4), ("email", 1, 3), ("chat", 2, 3)):
        strongest(channel, rank).complaints = n

    # New hires in October 2026: under 30 days of tenure when the month closes.
    new_hires = [("phone", 1, dt.date(2026, 10, 6)), ("email", 3, dt.date(2026, 10, 13)),
                 ("chat", 5, dt.date(2026, 10, 20))]
    for channel, rank, hired in new_hires:
        a = strongest(channel, rank)
        a.quality = max(a.quality, 1.2)
        a.hire_date = hired
        a.first_day = hired.day
        a.complaints = 0
        a.surveys = max(6, a.surveys * (DAYS_IN_MONTH - hired.day) // DAYS_IN_MONTH)

    # Agents who left during the month.
    for channel, rank, last_day in (("phone", 2, 16), ("email", 6, 9), ("chat", 8, 3)):
        a = strongest(channel, rank)
        a.active = False
        a.last_day = last_day
        a.complaints = 0
        a.surveys = max(4, a.surveys * last_day // DAYS_IN_MONTH)

    # Too few surveys for min_samples: 20, though those they have are excellent.
    for channel, rank, n in (("email", 4, 12), ("chat", 4, 16)):
        a = strongest(channel, rank)
        a.quality = max(a.quality, 1.5)
        a.surveys = n

    # Rushers: very short handle times, more contacts, unhappier customers.
    for channel in ("phone", "email", "chat"):
        ranked[channel][-2].rusher = True

    for a in agents:
        a.csat_mean = clamp(4.2 + 0.33 * a.quality - (0.55 if a.rusher else 0.0), 3.0, 4.85)
        a.nps_mean = clamp(7.6 + 0.9 * a.quality - (1.5 if a.rusher else 0.0), 3.0, 9.6)
        base = {"phone": 450.0, "email": 650.0, "chat": 330.0}[a.channel]
        a.aht = base * math.exp(rng.gauss(0.0, 0.10) - 0.05 * a.quality) * (0.6 if a.rusher else 1)
        a.resolve_rate = clamp(0.62 + 0.15 * a.quality + rng.gauss(0, 0.05), 0.25, 1.0)
        a.repeat_rate = clamp(0.05 - 0.015 * a.quality + (0.06 if a.rusher else 0), 0.01, 0.2)
        if a.complaints is None:
            a.complaints = min(2, poisson(rng, 0.8 * math.exp(-0.7 * a.quality)))
        a.qa_mean = clamp(82 + 6 * a.quality - (8 if a.rusher else 0), 55, 98)
    return agents


def write_agents(path, agents):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(AGENTS_HEADER)
        for a in agents:
            w.writerow([a.id, a.name, a.email, a.team, a.channel, a.hire_date.isoformat(),
                        "active" if a.active else "inactive"])


# --- the month's events ---------------------------------------------------------------------


HANDLED = {"phone": "calls_handled", "email": "emails_handled", "chat": "chats_handled"}


def works_on(a, day, rng):
    weekday = dt.date(YEAR, MONTH, day).weekday()
    if weekday >= 5 and not a.weekends:
        return False
    if a.weekends:
        # Chat rota: five days in seven, staggered by agent.
        if (day + int(a.id[1:])) % 7 in (0, 1):
            return False
    return rng.random() > 0.05  # the odd day off


def shift_days(a, rng):
    return [d for d in range(a.first_day, a.last_day + 1) if works_on(a, d, rng)]


def local_time(day, hour_float):
    """Local naive datetime `hour_float` hours after midnight of October `day` (may spill)."""
    return dt.datetime(YEAR, MONTH, 1) + dt.timedelta(days=day - 1, hours=hour_float)


def month_events(agents, rng):
    """Returns (utc instant, agent id, metric, value text, occurred_at text) tuples."""
    events = []

    def add(a, metric, value, local, as_utc=None):
        offset = stockholm_offset_hours(local, rng) if local.month == MONTH else (
            2 if local.month < MONTH else 1)
        if as_utc is None:
            as_utc = rng.random() < 0.08
        events.append((utc_of(local, offset), a.id, metric, value, rfc3339(local, offset, as_utc)))

    for a in agents:
        days = shift_days(a, rng)
        if a.team == "Night Chat" and a.first_day == 1:
            # The end of the shift that began on the evening of 30 September.
            days = [0] + days
        backlog = rng.randint(0, 3)
        worked_hours = []  # (day, start hour) of each shift, for surveys and complaints
        for day in days:
            start = a.shift_start + rng.choice((0, 0, 0.5, -0.5))
            hours = a.shift_hours
            # Interval reports every two hours: contacts handled and their mean handle time.
            h = 0.0
            while h < hours:
                span = min(2.0, hours - h)
                end = local_time(day, start + h + span) + dt.timedelta(seconds=rng.randint(0, 59))
                if day == 0 and end.month != MONTH:
                    h += span
                    continue
                occupancy = rng.uniform(0.70, 0.88)
                mean_aht = a.aht * rng.uniform(0.9, 1.1)
                concurrency = 1.6 if a.channel == "chat" else 1.0
                handled = max(0, round(span * 3600 * occupancy * concurrency / mean_aht
                                       + rng.gauss(0, 1.2)))
                if handled:
                    add(a, HANDLED[a.channel], str(handled), end)
                    add(a, "aht_seconds", "%.1f" % mean_aht, end)
                h += span
            if day == 0:
                continue
            worked_hours.append((day, start))
            shift_end = local_time(day, start + hours) + dt.timedelta(minutes=rng.randint(-20, 5))
            flagged = poisson(rng, 1.6)
            backlog += flagged
            resolved = binomial(rng, backlog, a.resolve_rate)
            backlog -= resolved
            if flagged:
                add(a, "followups_flagged", str(flagged), shift_end)
            if resolved:
                add(a, "followups_resolved", str(resolved), shift_end)
            repeats = poisson(rng, a.repeat_rate * 30)
            if repeats:
                add(a, "repeat_contacts", str(repeats), shift_end)
            if a.team == "Sales Desk" and rng.random() < 0.55:
                for _ in range(rng.randint(1, 2)):
                    t = local_time(day, start + rng.uniform(0.5, hours - 0.5))
                    add(a, "sales_value", "%.2f" % rng.uniform(250, 4800), t)

        def during_shift(max_delay_minutes=0):
            # A moment in one of the agent's shifts, plus a delay (a survey is answered after
            # the contact), kept inside the month so that the counts set above hold.
            while True:
                day, start = rng.choice(worked_hours)
                t = local_time(day, start + rng.uniform(0.2, a.shift_hours - 0.1))
                t += dt.timedelta(minutes=rng.randint(0, max_delay_minutes))
                if t.month == MONTH:
                    return t.replace(microsecond=0)

        if not worked_hours:
            continue
        for _ in range(a.surveys):
            score = int(clamp(round(rng.gauss(a.csat_mean, 0.75)), 1, 5))
            add(a, "csat", str(score), during_shift(90))
        for _ in range(max(3, a.surveys // 3)):
            score = int(clamp(round(rng.gauss(a.nps_mean, 1.6)), 0, 10))
            add(a, "nps", str(score), during_shift(240))
        for _ in range(a.complaints):
            add(a, "complaints", "1", during_shift(24 * 60))
        for _ in range(rng.randint(2, 4)):
            day = rng.choice(worked_hours)[0]
            t = local_time(day, rng.uniform(10, 16)).replace(microsecond=0)
            add(a, "qa_score", str(int(clamp(round(rng.gauss(a.qa_mean, 5)), 0, 100))), t)
        if a.channel == "phone" and rng.random() < 0.25:
            add(a, "referral_value", "%.2f" % rng.choice((15000, 42000, 88000, 250000)),
                during_shift())

    # Events at the edges of the month in Stockholm. The first two are in October locally but
    # in September in UTC; the others fall outside October however they are read.
    night = [a for a in agents if a.team == "Night Chat" and a.active and a.first_day == 1]
    edge = [
        (night[0], "csat", "5", dt.datetime(2026, 10, 1, 0, 30), False),
        (night[1], "chats_handled", "4", dt.datetime(2026, 10, 1, 0, 45), True),
        (night[0], "csat", "2", dt.datetime(2026, 9, 30, 23, 30), False),
        (night[1], "csat", "4", dt.datetime(2026, 11, 1, 0, 30), False),
        (night[2], "chats_handled", "3", dt.datetime(2026, 11, 1, 0, 15), True),
        # The repeated hour of 25 October, once in summer time and once in winter time.
        (night[2], "csat", "4", dt.datetime(2026, 10, 25, 2, 30), False),
        (night[3], "csat", "5", dt.datetime(2026, 10, 25, 2, 40), False),
    ]
    for i, (a, metric, value, local, as_utc) in enumerate(edge):
        if local.month == MONTH and local.day == DST_END_DAY and local.hour == 2:
            offset = 2 if i % 2 else 1
        else:
            offset = 2 if (local.month, local.day) < (MONTH, DST_END_DAY) else 1
        events.append((utc_of(local, offset), a.id, metric, value, rfc3339(local, offset, as_utc)))

    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return [("e-2026-10-%06d" % i, agent, metric, value, when)
            for i, (_, agent, metric, value, when) in enumerate(events, start=1)]


def write_events(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(EVENTS_HEADER)
        w.writerows(rows)


def bad_events(agents, good_rows):
    """A short file mixing good rows with every kind of bad one the importer must report."""
    active = [a.id for a in agents if a.active and a.first_day == 1]
    csat_rows = [r for r in good_rows if r[2] == "csat"]
    duplicate = list(good_rows[len(good_rows) // 3])
    conflict = list(csat_rows[len(csat_rows) // 2])
    conflict[3] = str(int(conflict[3]) % 5 + 1)  # same event_id, a different score
    return [
        ["e-2026-10-900001", active[0], "csat", "5", "2026-10-14T10:12:00+02:00"],
        ["e-2026-10-900002", "a999", "csat", "4", "2026-10-14T10:15:00+02:00"],
        ["e-2026-10-900003", active[1], "happiness", "3", "2026-10-14T10:20:00+02:00"],
        ["e-2026-10-900004", active[2], "csat", "7", "2026-10-14T10:25:00+02:00"],
        ["e-2026-10-900005", active[3], "calls_handled", "abc", "2026-10-14T10:30:00+02:00"],
        ["e-2026-10-900006", active[4], "aht_seconds", "inf", "2026-10-14T10:35:00+02:00"],
        ["e-2026-10-900007", active[5], "qa_score", "nan", "2026-10-14T10:40:00+02:00"],
        ["e-2026-10-900008", active[6], "nps", "9", "2026-10-05 14:03"],
        ["e-2026-10-900009", active[7], "nps", "8", "yesterday"],
        ["e-2026-10-900010", active[8], "followups_resolved", "2", "2026-10-05T14:03:00"],
        ["e-2026-10-900011", active[9], "complaints", "1"],
        conflict,
        duplicate,
        ["e-2026-10-900012", active[10], "followups_resolved", "3", "2026-10-28T16:05:00Z"],
        ["e-2026-10-900013", active[11], "nps", "10", "2026-10-29T11:47:00+01:00"],
    ]


# --- synthetic rows for the import benchmark ------------------------------------------------


BENCH_METRICS = {
    "phone": ["calls_handled"] * 4 + ["aht_seconds"] * 4 + ["csat"] * 3 + [
        "nps", "followups_flagged", "followups_resolved", "repeat_contacts", "sales_value"],
    "email": ["emails_handled"] * 4 + ["aht_seconds"] * 4 + ["csat"] * 3 + [
        "nps", "followups_flagged", "followups_resolved", "repeat_contacts", "qa_score"],
    "chat": ["chats_handled"] * 4 + ["aht_seconds"] * 4 + ["csat"] * 3 + [
        "nps", "followups_flagged", "followups_resolved", "repeat_contacts", "qa_score"],
    "social": ["chats_handled"] * 4 + ["aht_seconds"] * 4 + ["csat"] * 3 + [
        "nps", "followups_flagged", "followups_resolved", "repeat_contacts", "qa_score"],
}


def bench_value(metric, channel, rng):
    if metric == "aht_seconds":
        base = {"phone": 450, "email": 650}.get(channel, 330)
        return "%.1f" % (base * rng.uniform(0.6, 1.5))
    if metric == "csat":
        return str(rng.choice((2, 3, 4, 4, 4, 5, 5, 5)))
    if metric == "nps":
        return str(rng.randint(0, 10))
    if metric == "qa_score":
        return str(rng.randint(60, 100))
    if metric == "sales_value":
        return "%.2f" % rng.uniform(250, 4800)
    if metric.endswith("_handled"):
        return str(rng.randint(1, 20))
    return str(rng.randint(1, 4))


def write_bench(path, rows, agents_path, seed):
    rng = random.Random(seed)
    with open(agents_path, newline="", encoding="utf-8") as f:
        agents = [r for r in csv.DictReader(f) if r["status"] == "active"]
    if not agents:
        sys.exit("no active agents in %s" % agents_path)
    plans = []
    for r in agents:
        hired = dt.date.fromisoformat(r["hire_date"])
        first = hired.day if (hired.year, hired.month) == (YEAR, MONTH) else 1
        if (hired.year, hired.month) > (YEAR, MONTH):
            continue
        plans.append((r["id"], r["channel"], first))
    # Offsets by (day, hour), so that the hot loop does no date arithmetic.
    offsets = {}
    for day in range(1, DAYS_IN_MONTH + 1):
        for hour in range(24):
            local = dt.datetime(YEAR, MONTH, day, hour)
            offsets[day, hour] = "+%02d:00" % stockholm_offset_hours(local, rng)
    out = open(path, "w", newline="", encoding="utf-8") if path != "-" else sys.stdout
    try:
        out.write(",".join(EVENTS_HEADER) + "\n")
        chunk = []
        for i in range(1, rows + 1):
            agent, channel, first = plans[rng.randrange(len(plans))]
            metric = rng.choice(BENCH_METRICS.get(channel, BENCH_METRICS["chat"]))
            day = rng.randint(first, DAYS_IN_MONTH)
            hour = rng.randint(7, 21)
            minute, second = rng.randrange(60), rng.randrange(60)
            chunk.append("b-2026-10-%07d,%s,%s,%s,2026-10-%02dT%02d:%02d:%02d%s\n" % (
                i, agent, metric, bench_value(metric, channel, rng), day, hour, minute, second,
                offsets[day, hour]))
            if len(chunk) >= 10000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))
    finally:
        if out is not sys.stdout:
            out.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, help="write N synthetic events (benchmark mode)")
    parser.add_argument("--out", help="benchmark mode: the file to write ('-' for stdout)")
    parser.add_argument("--agents", default=os.path.join(HERE, "agents.csv"),
                        help="benchmark mode: the agents to use (default: examples/agents.csv)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out-dir", default=HERE, help="sample mode: where to write the CSVs")
    args = parser.parse_args()

    if args.rows is not None:
        if args.rows < 0 or not args.out:
            parser.error("--rows needs a non-negative N and --out FILE")
        write_bench(args.out, args.rows, args.agents, args.seed)
        return

    rng = random.Random(args.seed)
    agents = make_agents(rng)
    rows = month_events(agents, rng)
    os.makedirs(args.out_dir, exist_ok=True)
    write_agents(os.path.join(args.out_dir, "agents.csv"), agents)
    write_events(os.path.join(args.out_dir, "events-2026-10.csv"), rows)
    write_events(os.path.join(args.out_dir, "events-bad.csv"), bad_events(agents, rows))
    print("wrote %d agents, %d events, 15 rows of bad events to %s"
          % (len(agents), len(rows), args.out_dir))


if __name__ == "__main__":
    main()
