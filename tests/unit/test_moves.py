from datetime import UTC, date, datetime

from hub.domain.moves import EnrollmentView, Who, arrivals, departure, novel

NOW = datetime(2025, 11, 1, tzinfo=UTC)
WHO = Who("José", "Ramírez", date(2010, 3, 14))


def enr(state, eid, start, end=None, city="X"):
    return EnrollmentView(state, eid, start, end, city)


def test_departure_when_origin_names_another_state():
    student = {
        "move_to_state": "MI",
        "move_to_city": "Holland",
        "first_name": "José",
        "qad": date(2025, 1, 5),
    }
    enrollments = [enr("TX", "E1", date(2025, 1, 6), date(2025, 4, 30))]
    notice = departure("M1", "TX", student, enrollments, NOW)
    assert notice is not None
    assert (notice.kind, notice.from_state, notice.to_state, notice.to_city) == (
        "departure",
        "TX",
        "MI",
        "Holland",
    )
    assert notice.move_date == date(2025, 4, 30)  # the last withdrawal in the origin state
    again = departure("M1", "TX", student | {"move_to_city": "Zeeland"}, enrollments, NOW)
    assert again is not None and again.notice_id == notice.notice_id  # the same move, however reported


def test_no_departure_within_the_same_state_or_without_destination():
    assert departure("M1", "TX", {"move_to_state": "TX"}, [], NOW) is None
    assert departure("M1", "TX", {}, [], NOW) is None


def test_arrival_when_new_school_while_enrollment_left_open():
    texas = enr("TX", "E1", date(2025, 8, 20))
    michigan = enr("MI", "E9", date(2025, 10, 2), city="Holland")
    found = arrivals("M1", michigan, [texas, michigan], WHO, NOW)
    assert [(n.kind, n.from_state, n.to_state, n.move_date, n.to_city) for n in found] == [
        ("arrival", "TX", "MI", date(2025, 10, 2), "Holland")
    ]


def test_arrival_found_whichever_enrollment_arrives_first():
    texas = enr("TX", "E1", date(2025, 8, 20))
    michigan = enr("MI", "E9", date(2025, 10, 2))
    as_new = arrivals("M1", michigan, [texas, michigan], WHO, NOW)
    as_old = arrivals("M1", texas, [texas, michigan], WHO, NOW)
    assert [n.notice_id for n in as_new] == [n.notice_id for n in as_old]


def test_no_arrival_when_origin_withdrawn_or_same_state():
    closed = enr("TX", "E1", date(2025, 8, 20), date(2025, 9, 30))
    assert arrivals("M1", enr("MI", "E9", date(2025, 10, 2)), [closed], WHO, NOW) == []
    same = enr("TX", "E2", date(2025, 10, 2))
    assert arrivals("M1", same, [enr("TX", "E1", date(2025, 8, 20)), same], WHO, NOW) == []


def test_departure_then_arrival_is_one_move():
    student = {"move_to_state": "MI", "qad": date(2025, 1, 5)}
    dep = departure("M1", "TX", student, [enr("TX", "E1", date(2025, 8, 20), date(2025, 9, 28))], NOW)
    arr = arrivals("M1", enr("MI", "E9", date(2025, 10, 2)), [enr("TX", "E0", date(2025, 8, 1))], WHO, NOW)
    assert dep is not None and len(arr) == 1
    assert novel(arr, [dep]) == []
    assert novel([dep], []) == [dep]
    later = arrivals("M1", enr("MI", "E10", date(2026, 9, 1)), [enr("TX", "E5", date(2026, 6, 1))], WHO, NOW)
    assert novel(later, [dep]) == later  # a move a year later is another move
