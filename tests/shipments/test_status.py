import pytest
from hypothesis import given
from hypothesis import strategies as st

from lastmile.shipments.status import (
    TERMINAL,
    IllegalTransition,
    Status,
    is_allowed,
    next_statuses,
    replay,
)

S = Status


def test_happy_path() -> None:
    path = [S.AT_HUB, S.OUT_FOR_DELIVERY, S.ARRIVING, S.DELIVERED]
    assert replay(path) == S.DELIVERED


def test_failed_attempt_then_redelivery_or_return() -> None:
    assert replay([S.OUT_FOR_DELIVERY, S.ATTEMPTED, S.OUT_FOR_DELIVERY, S.DELIVERED]) == S.DELIVERED
    assert replay([S.OUT_FOR_DELIVERY, S.ATTEMPTED, S.RETURNED_TO_HUB]) == S.RETURNED_TO_HUB


def test_an_attempt_turns_delivered_on_the_same_trip_but_a_parcel_back_at_the_hub_does_not() -> (
    None
):
    assert replay([S.OUT_FOR_DELIVERY, S.ATTEMPTED, S.DELIVERED]) == S.DELIVERED
    with pytest.raises(IllegalTransition):
        replay([S.OUT_FOR_DELIVERY, S.ATTEMPTED, S.RETURNED_TO_HUB, S.DELIVERED])


def test_illegal_transition_names_both_states() -> None:
    with pytest.raises(IllegalTransition) as caught:
        replay([S.DELIVERED])
    assert "`created`" in caught.value.detail
    assert "`delivered`" in caught.value.detail
    assert caught.value.status == 409


@pytest.mark.parametrize("final", sorted(TERMINAL))
def test_final_states_admit_nothing(final: Status) -> None:
    assert next_statuses(final) == frozenset()
    for status in S:
        assert not is_allowed(final, status)


def test_repeated_scan_of_a_live_status_is_allowed() -> None:
    assert replay([S.AT_HUB, S.AT_HUB, S.OUT_FOR_DELIVERY]) == S.OUT_FOR_DELIVERY


@given(st.lists(st.sampled_from(list(S)), max_size=12))
def test_replay_ends_in_the_last_state_or_names_the_first_bad_step(path: list[Status]) -> None:
    current = S.CREATED
    for index, status in enumerate(path):
        if not is_allowed(current, status):
            with pytest.raises(IllegalTransition) as caught:
                replay(path)
            assert (caught.value.current, caught.value.new) == (current, status)
            assert index < len(path)
            return
        current = status
    assert replay(path) == current


def test_every_live_state_can_be_cancelled_or_flagged() -> None:
    for status in set(S) - TERMINAL:
        assert {S.CANCELLED, S.EXCEPTION} <= next_statuses(status)
