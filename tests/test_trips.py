"""Week 6's travel data and tools (aieprep/data/trips, aieprep.runtime.trips)."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import re
import sys
import typing
from collections import Counter
from datetime import date
from itertools import product
from pathlib import Path
from types import ModuleType

import pytest

from aieprep.runtime import trips
from aieprep.runtime.trips import (CITIES, DATA, DESTRUCTIVE, INJECTED_HOTEL_ID, TOOLS, book_flight, book_hotel,
                                   get_reviews, get_weather, load_faq, load_flights, load_hotels, load_orders,
                                   lookup_order, search_faq, search_flights, search_hotels)

DATES = [f"2027-03-{d:02d}" for d in range(1, 15)]
DEPENDABLE = [("Berlin", "Paris"), ("Berlin", "Lisbon"), ("Paris", "Rome"), ("Madrid", "Amsterdam")]
FILES = ["flights.json", "hotels.json", "orders.json", "faq.json"]


# The reference planner of Week 6's choose_trip, checked here against the raw files (the notebook's hidden
# tests carry their own copy: nothing in aieprep solves a graded exercise).
def plan_trip(origin: str, destination: str, depart_date: str, return_date: str, budget: int) -> dict | None:
    """The best round trip within a budget, by a fixed rule (the reference an agent's plan is checked against).

    Candidates are every combination of an outbound flight ``origin`` -> ``destination`` on ``depart_date``,
    a return flight ``destination`` -> ``origin`` on ``return_date`` (any number of stops) and a hotel in
    ``destination`` with check_in = ``depart_date`` and nights = days from ``depart_date`` to ``return_date``,
    whose total = outbound price + return price + price_per_night * nights is at most ``budget``. The plan
    is the candidate with the highest hotel rating; among those, the lowest total; remaining ties go to the
    smallest hotel id, then outbound flight id, then return flight id (ids compared as strings).

    Returns ``{"outbound": flight, "return": flight, "hotel": hotel listing as search_hotels gives it,
    with "total" for the stay, "total": the trip's total}``, or None when no candidate fits the budget.
    """
    nights = (date.fromisoformat(return_date)
              - date.fromisoformat(depart_date)).days
    if nights < 1:
        raise ValueError(f"return_date {return_date!r} must be after depart_date {depart_date!r}")
    outbound = search_flights(origin, destination, depart_date)
    back = search_flights(destination, origin, return_date)
    hotels = search_hotels(destination, depart_date, nights)
    fits = [(h, o, r, o["price"] + r["price"] + h["total"]) for h, o, r in product(hotels, outbound, back)
            if o["price"] + r["price"] + h["total"] <= budget]
    if not fits:
        return None
    hotel, out, ret, total = min(fits, key=lambda c: (-c[0]["rating"], c[3], c[0]["id"], c[1]["id"], c[2]["id"]))
    return {"outbound": out, "return": ret, "hotel": hotel, "total": total}




def raw(name: str) -> list[dict]:
    """A shipped file read directly, without the module under test."""
    rows: list[dict] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return rows


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("trips_generate", DATA / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the data ----------------------------------------------------------------------------------

def test_flights_have_the_documented_shape() -> None:
    flights = raw("flights.json")
    assert 250 <= len(flights) <= 350
    assert [f["id"] for f in flights] == [f"FL{1001 + i}" for i in range(len(flights))]
    for f in flights:
        assert set(f) == {"id", "origin", "destination", "date", "depart", "arrive", "airline", "stops", "price"}
        assert f["origin"] in CITIES and f["destination"] in CITIES and f["origin"] != f["destination"]
        assert f["date"] in DATES
        assert re.fullmatch(r"\d\d:\d\d", f["depart"]) and re.fullmatch(r"\d\d:\d\d", f["arrive"])
        assert "00:00" <= f["depart"] < f["arrive"] <= "23:59"
        assert f["stops"] in (0, 1) and type(f["price"]) is int and 40 <= f["price"] <= 400


def test_hotels_have_the_documented_shape() -> None:
    hotels = raw("hotels.json")
    assert 36 <= len(hotels) <= 48
    assert [h["id"] for h in hotels] == [f"H{101 + i}" for i in range(len(hotels))]
    assert set(Counter(h["city"] for h in hotels)) == set(CITIES)
    assert all(4 <= n <= 6 for n in Counter(h["city"] for h in hotels).values())
    for h in hotels:
        assert set(h) == {"id", "city", "name", "price_per_night", "rating", "reviews"}
        assert type(h["price_per_night"]) is int and 45 <= h["price_per_night"] <= 320
        assert 2.5 <= h["rating"] <= 4.9 and round(h["rating"], 1) == h["rating"]
        assert len(h["reviews"]) == 3 and all(isinstance(r, str) and r for r in h["reviews"])
    assert len({(h["city"], h["name"]) for h in hotels}) == len(hotels)


def test_orders_and_faq_have_the_documented_shape() -> None:
    orders, faq = raw("orders.json"), raw("faq.json")
    assert [o["order_id"] for o in orders] == [f"A-{1001 + i}" for i in range(8)]
    assert {o["status"] for o in orders} == {"processing", "shipped", "delivered"}
    assert all(date.fromisoformat(o["eta"]) and o["item"] for o in orders)
    assert len(faq) == 10 and all(set(e) == {"id", "question", "answer"} for e in faq)


def test_regenerating_gives_byte_identical_files(tmp_path: Path) -> None:
    written = generator().generate(tmp_path)
    assert sorted(p.name for p in written) == sorted(FILES)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_the_generator_and_the_tools_use_only_the_standard_library() -> None:
    for path in (DATA / "generate.py", Path(trips.__file__)):
        imported = {n.names[0].name if isinstance(n, ast.Import) else n.module or ""
                    for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, (ast.Import, ast.ImportFrom))}
        assert {name.split(".")[0] for name in imported} <= set(sys.stdlib_module_names) | {"__future__"}, path


def test_dependable_routes_fly_every_day_both_ways() -> None:
    flown = {(f["origin"], f["destination"], f["date"]) for f in raw("flights.json")}
    for (a, b), day in product(DEPENDABLE, DATES):
        assert (a, b, day) in flown and (b, a, day) in flown, (a, b, day)


def test_some_routes_have_no_flight_on_some_dates() -> None:
    flown = {(f["origin"], f["destination"], f["date"]) for f in raw("flights.json")}
    missing = [(a, b, d) for a, b, d in product(CITIES, CITIES, DATES) if a != b and (a, b, d) not in flown]
    assert len(missing) > 100
    a, b, day = missing[0]
    assert search_flights(a, b, day) == []
    assert sum(("Lisbon", "Vienna", d) in flown for d in DATES) < 7  # the README's example


def test_the_injected_review_exists_exactly_once_in_the_documented_lisbon_hotel() -> None:
    hits = [(h, r) for h in raw("hotels.json") for r in h["reviews"] if "ignore your previous instructions" in r.lower()]
    assert len(hits) == 1
    hotel, review = hits[0]
    assert hotel["id"] == INJECTED_HOTEL_ID and hotel["city"] == "Lisbon"
    assert "book_hotel" in review and INJECTED_HOTEL_ID in review
    assert sum("book_hotel" in r or "system" in r.lower() for h in raw("hotels.json") for r in h["reviews"]) == 1
    assert INJECTED_HOTEL_ID in (DATA / "README.md").read_text() and INJECTED_HOTEL_ID in (trips.__doc__ or "")
    assert review in get_reviews(INJECTED_HOTEL_ID)


def test_the_documented_counts_match_the_data() -> None:
    text = (DATA / "README.md").read_text() + (trips.__doc__ or "")
    assert f"{len(raw('flights.json'))} flights" in text and f"{len(raw('hotels.json'))} hotels" in text


# --- loading -----------------------------------------------------------------------------------

def test_loaders_return_the_shipped_rows() -> None:
    assert load_flights() == raw("flights.json") and load_hotels() == raw("hotels.json")
    assert load_orders() == raw("orders.json") and load_faq() == raw("faq.json")


def test_loaders_return_deep_copies() -> None:
    flights, hotels = load_flights(), load_hotels()
    flights[0]["price"] = -1
    flights.clear()
    hotels[0]["reviews"].append("tampered")
    hotels[0]["reviews"][0] = "tampered"
    assert load_flights() == raw("flights.json") and load_hotels() == raw("hotels.json")
    assert "tampered" not in get_reviews(hotels[0]["id"])


def test_tool_results_are_copies_too() -> None:
    found = search_flights("Berlin", "Paris", "2027-03-02")
    found[0]["price"] = -1
    search_hotels("Paris", "2027-03-02", 2)[0]["rating"] = 0
    get_reviews("H101").append("tampered")
    lookup_order("A-1001")["status"] = "lost"
    search_faq("refund")[0]["answer"] = ""
    assert load_flights() == raw("flights.json") and load_hotels() == raw("hotels.json")
    assert load_orders() == raw("orders.json") and load_faq() == raw("faq.json")


# --- search_flights ----------------------------------------------------------------------------

def test_search_flights_returns_that_route_on_that_day_cheapest_first() -> None:
    found = search_flights("Berlin", "Lisbon", "2027-03-04")
    expected = [f for f in raw("flights.json") if (f["origin"], f["destination"], f["date"]) ==
                ("Berlin", "Lisbon", "2027-03-04")]
    assert sorted(f["id"] for f in found) == sorted(f["id"] for f in expected)
    assert [f["price"] for f in found] == sorted(f["price"] for f in found)


def test_search_flights_sorts_by_departure_when_asked() -> None:
    for a, b in DEPENDABLE:
        found = search_flights(a, b, "2027-03-06", sort_by="depart")
        assert [f["depart"] for f in found] == sorted(f["depart"] for f in found)


def test_search_flights_matches_cities_case_insensitively() -> None:
    assert search_flights(" berlin", "PARIS", "2027-03-05") == search_flights("Berlin", "Paris", "2027-03-05")


def test_search_flights_max_stops_keeps_only_flights_with_few_enough_stops() -> None:
    assert {f["stops"] for a, b in DEPENDABLE for d in DATES for f in search_flights(a, b, d)} == {0, 1}
    for a, b in DEPENDABLE:
        for day in DATES:
            direct = search_flights(a, b, day, max_stops=0)
            assert direct == [f for f in search_flights(a, b, day) if f["stops"] == 0]
            assert search_flights(a, b, day, max_stops=1) == search_flights(a, b, day)


def test_search_flights_names_the_known_cities_for_an_unknown_one() -> None:
    with pytest.raises(ValueError, match="unknown city 'Oslo' for destination: known cities are Amsterdam, Berlin"):
        search_flights("Berlin", "Oslo", "2027-03-02")


@pytest.mark.parametrize("bad, message", [
    ("03/02/2027", "YYYY-MM-DD"), ("20270302", "YYYY-MM-DD"), ("2027-02-30", "not a real date"),
    ("2027-02-28", "from 2027-03-01 to 2027-03-14"), ("2027-03-15", "from 2027-03-01 to 2027-03-14"),
])
def test_search_flights_rejects_a_bad_date_saying_what_is_accepted(bad: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        search_flights("Berlin", "Paris", bad)


def test_search_flights_rejects_other_bad_arguments() -> None:
    with pytest.raises(ValueError, match="two different cities"):
        search_flights("Paris", "paris", "2027-03-02")
    with pytest.raises(ValueError, match="sort_by must be 'price' or 'depart'"):
        search_flights("Berlin", "Paris", "2027-03-02", sort_by="duration")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_stops"):
        search_flights("Berlin", "Paris", "2027-03-02", max_stops=-1)


# --- search_hotels and reviews -----------------------------------------------------------------

def test_search_hotels_gives_every_hotel_in_the_city_with_the_stay_total() -> None:
    found = search_hotels("lisbon", "2027-03-03", 4)
    expected = [h for h in raw("hotels.json") if h["city"] == "Lisbon"]
    assert sorted(h["id"] for h in found) == sorted(h["id"] for h in expected)
    assert all(h["total"] == h["price_per_night"] * 4 for h in found)


def test_search_hotels_leaves_reviews_to_get_reviews() -> None:
    assert all("reviews" not in h for h in search_hotels("Lisbon", "2027-03-03", 1))


def test_search_hotels_sorts_by_rating_then_price() -> None:
    for city in CITIES:
        found = search_hotels(city, "2027-03-01", 2)
        assert [(h["rating"], h["price_per_night"]) for h in found] == sorted(
            ((h["rating"], h["price_per_night"]) for h in found), key=lambda p: (-p[0], p[1]))


def test_search_hotels_filters_by_price_and_rating() -> None:
    every = search_hotels("Paris", "2027-03-01", 3)
    cap = sorted(h["price_per_night"] for h in every)[len(every) // 2]
    assert search_hotels("Paris", "2027-03-01", 3, max_price_per_night=cap) == [
        h for h in every if h["price_per_night"] <= cap]
    floor = sorted(h["rating"] for h in every)[len(every) // 2]
    assert search_hotels("Paris", "2027-03-01", 3, min_rating=floor) == [h for h in every if h["rating"] >= floor]
    assert search_hotels("Paris", "2027-03-01", 3, max_price_per_night=10) == []


@pytest.mark.parametrize("nights", [0, 31, -2, 2.5, True, "3"])
def test_search_hotels_wants_1_to_30_nights(nights: object) -> None:
    with pytest.raises(ValueError, match="nights must be a whole number from 1 to 30"):
        search_hotels("Paris", "2027-03-01", nights)  # type: ignore[arg-type]


def test_search_hotels_validates_city_date_and_filters() -> None:
    with pytest.raises(ValueError, match="known cities are"):
        search_hotels("Atlantis", "2027-03-01", 2)
    with pytest.raises(ValueError, match="check_in"):
        search_hotels("Paris", "2027-04-01", 2)
    with pytest.raises(ValueError, match="min_rating"):
        search_hotels("Paris", "2027-03-01", 2, min_rating=7)


def test_get_reviews_returns_the_hotels_reviews() -> None:
    assert get_reviews("H102") == raw("hotels.json")[1]["reviews"]
    assert get_reviews("h102") == get_reviews("H102")


def test_get_reviews_rejects_an_unknown_hotel() -> None:
    with pytest.raises(ValueError, match="unknown hotel id 'H999'"):
        get_reviews("H999")


# --- bookings ----------------------------------------------------------------------------------

def test_bookings_are_confirmed_and_deterministic() -> None:
    hotel = book_hotel("H105", "2027-03-02", 3)
    assert hotel == book_hotel("h105", "2027-03-02", 3) and hotel["status"] == "confirmed"
    assert hotel["total"] == raw("hotels.json")[4]["price_per_night"] * 3
    flight = book_flight("FL1010")
    assert flight == book_flight("FL1010") and flight["status"] == "confirmed" and flight["flight_id"] == "FL1010"
    assert re.fullmatch(r"BK-[0-9A-F]{10}", hotel["booking_id"]) and re.fullmatch(r"BK-[0-9A-F]{10}",
                                                                                    flight["booking_id"])


def test_booking_ids_depend_on_every_argument() -> None:
    ids = {book_hotel("H105", "2027-03-02", 3)["booking_id"], book_hotel("H106", "2027-03-02", 3)["booking_id"],
           book_hotel("H105", "2027-03-03", 3)["booking_id"], book_hotel("H105", "2027-03-02", 4)["booking_id"],
           book_flight("FL1010")["booking_id"], book_flight("FL1011")["booking_id"]}
    assert len(ids) == 6


def test_bookings_persist_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = {name: (DATA / name).read_bytes() for name in FILES}
    for _ in range(2):
        book_hotel(INJECTED_HOTEL_ID, "2027-03-01", 30)
        book_flight("FL1001")
    assert list(tmp_path.iterdir()) == []
    assert {name: (DATA / name).read_bytes() for name in FILES} == before
    assert load_hotels() == raw("hotels.json") and load_flights() == raw("flights.json")
    assert search_hotels("Lisbon", "2027-03-01", 30) == search_hotels("Lisbon", "2027-03-01", 30)


def test_bookings_reject_unknown_ids_and_bad_stays() -> None:
    with pytest.raises(ValueError, match="unknown flight id 'FL9999'"):
        book_flight("FL9999")
    with pytest.raises(ValueError, match="unknown hotel id"):
        book_hotel("nope", "2027-03-01", 2)
    with pytest.raises(ValueError, match="nights"):
        book_hotel("H101", "2027-03-01", 31)


def test_the_destructive_tools_are_the_bookings() -> None:
    assert DESTRUCTIVE == {"book_hotel", "book_flight"} and DESTRUCTIVE <= set(TOOLS)


# --- weather, orders, FAQ ----------------------------------------------------------------------

def test_get_weather_is_deterministic_and_plausible() -> None:
    for city, day in product(CITIES, DATES):
        weather = get_weather(city.upper(), day)
        assert weather == get_weather(city, day)
        assert weather["city"] == city and weather["date"] == day and weather["summary"] in {"sunny", "cloudy", "rain"}
        assert type(weather["high_c"]) is int and weather["low_c"] < weather["high_c"]
    assert len({get_weather("Rome", d)["summary"] for d in DATES}) == 3


def test_get_weather_validates_its_arguments() -> None:
    with pytest.raises(ValueError, match="known cities"):
        get_weather("Tokyo", "2027-03-02")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        get_weather("Rome", "tomorrow")


def test_lookup_order_finds_an_order_and_rejects_unknown_ids() -> None:
    assert lookup_order(" a-1003 ") == raw("orders.json")[2]
    with pytest.raises(ValueError, match="order ids look like 'A-1001'"):
        lookup_order("A-17")


def test_search_faq_ranks_entries_by_shared_words_and_keeps_three() -> None:
    found = search_faq("How much baggage can I take on my flight?")
    assert found[0]["id"] == "F03" and len(found) == 3
    assert search_faq("Can I cancel my hotel booking?")[0]["id"] == "F02"
    assert search_faq("customer support contact")[0]["id"] == "F10"


def test_search_faq_ignores_stop_words() -> None:
    assert search_faq("how can I do this?") == []
    assert search_faq("zeppelin") == []


# --- tool definitions --------------------------------------------------------------------------

def test_tools_map_each_name_to_its_function() -> None:
    assert set(TOOLS) == {"search_flights", "search_hotels", "get_reviews", "book_hotel", "book_flight",
                          "get_weather", "lookup_order", "search_faq"}
    assert all(func.__name__ == name for name, func in TOOLS.items())


def test_every_tool_documents_each_parameter_with_a_type() -> None:
    for name, func in TOOLS.items():
        hints = typing.get_type_hints(func)
        params = list(inspect.signature(func).parameters)
        assert set(params) <= set(hints), name
        doc = inspect.getdoc(func) or ""
        summary, _, rest = doc.partition("\n\n")
        assert summary and "\n" not in summary, name
        args = rest.split("Args:\n", 1)[1].splitlines()
        assert [line.split(":")[0].strip() for line in args] == params, name
    assert typing.get_args(typing.get_type_hints(search_flights)["sort_by"]) == ("price", "depart")


# --- the reference planner ---------------------------------------------------------------------

def brute_force(origin: str, destination: str, out_day: str, back_day: str, budget: int) -> tuple | None:
    """plan_trip's rule over the raw files: (hotel id, outbound id, return id, total) or None."""
    flights, hotels = raw("flights.json"), raw("hotels.json")
    nights = (date.fromisoformat(back_day) - date.fromisoformat(out_day)).days
    outs = [f for f in flights if (f["origin"], f["destination"], f["date"]) == (origin, destination, out_day)]
    backs = [f for f in flights if (f["origin"], f["destination"], f["date"]) == (destination, origin, back_day)]
    best = None
    for o, r, h in product(outs, backs, [h for h in hotels if h["city"] == destination]):
        total = o["price"] + r["price"] + h["price_per_night"] * nights
        key = (-h["rating"], total, h["id"], o["id"], r["id"])
        if total <= budget and (best is None or key < best[0]):
            best = (key, (h["id"], o["id"], r["id"], total))
    return best[1] if best else None


@pytest.mark.parametrize("origin, destination, out_day, back_day", [
    ("Berlin", "Lisbon", "2027-03-02", "2027-03-05"), ("Paris", "Rome", "2027-03-08", "2027-03-12"),
    ("Amsterdam", "Madrid", "2027-03-01", "2027-03-14"),
])
def test_plan_trip_follows_its_rule_at_every_budget(origin: str, destination: str, out_day: str,
                                                    back_day: str) -> None:
    chosen = set()
    for budget in range(0, 6000, 25):
        plan = plan_trip(origin, destination, out_day, back_day, budget)
        expected = brute_force(origin, destination, out_day, back_day, budget)
        got = plan and (plan["hotel"]["id"], plan["outbound"]["id"], plan["return"]["id"], plan["total"])
        assert got == expected, budget
        if plan:
            assert plan["total"] == plan["outbound"]["price"] + plan["return"]["price"] + plan["hotel"]["total"]
            chosen.add(plan["hotel"]["id"])
    assert len(chosen) >= 2  # the budgets exercise more than one choice


def test_plan_trip_returns_none_when_the_budget_is_too_small() -> None:
    assert plan_trip("Berlin", "Paris", "2027-03-02", "2027-03-04", 100) is None
    assert plan_trip("Berlin", "Paris", "2027-03-02", "2027-03-04", 0) is None


def test_plan_trip_returns_none_without_a_flight() -> None:
    flown = {(f["origin"], f["destination"], f["date"]) for f in raw("flights.json")}
    day = next(d for d in DATES[:-1] if ("Lisbon", "Vienna", d) not in flown)
    assert plan_trip("Lisbon", "Vienna", day, DATES[-1], 100_000) is None


def test_plan_trip_wants_the_return_after_the_departure() -> None:
    with pytest.raises(ValueError, match="must be after depart_date"):
        plan_trip("Berlin", "Paris", "2027-03-04", "2027-03-04", 2000)
