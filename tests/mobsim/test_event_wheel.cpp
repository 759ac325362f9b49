// EventWheel: buckets per second, what is dropped, and the order of events.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "sim/mobsim/event_wheel.hpp"

using namespace flemsim;
using mobsim::Event;
using mobsim::EventKind;

TEST_CASE("EventWheel: events land in their second; before the day is its start, after its end is dropped") {
    mobsim::EventWheel wheel(100);
    CHECK(wheel.end_s() == 100);
    wheel.schedule(7, EventKind::leg_end, 3);
    wheel.schedule(-5, EventKind::trip_start, 1);
    wheel.schedule(100, EventKind::link_wake, 9);
    wheel.schedule(101, EventKind::link_wake, 10);  // past the end: the trip will be stuck
    CHECK_FALSE(wheel.idle(0));
    CHECK(wheel.idle(1));
    CHECK_FALSE(wheel.idle(7));
    CHECK_FALSE(wheel.idle(100));
    CHECK(wheel.idle(101));
    const auto at0 = wheel.take(0);
    REQUIRE(at0.size() == 1);
    CHECK(at0[0] == Event{EventKind::trip_start, 1});
    CHECK(wheel.idle(0));  // taken: the bucket is empty
    CHECK(wheel.take(100) == std::vector<Event>{{EventKind::link_wake, 9}});
}

TEST_CASE("EventWheel: a bucket keeps scheduling order; events sort by kind, then id") {
    mobsim::EventWheel wheel(10);
    wheel.schedule(5, EventKind::leg_end, 2);
    wheel.schedule(5, EventKind::trip_start, 9);
    wheel.schedule(5, EventKind::leg_start, 4);
    wheel.schedule(5, EventKind::trip_start, 3);
    auto due = wheel.take(5);
    CHECK(due == std::vector<Event>{{EventKind::leg_end, 2},
                                    {EventKind::trip_start, 9},
                                    {EventKind::leg_start, 4},
                                    {EventKind::trip_start, 3}});
    // Travellers handles a round in this order: trip starts, leg starts, leg ends, each by id.
    std::sort(due.begin(), due.end());
    CHECK(due == std::vector<Event>{{EventKind::trip_start, 3},
                                    {EventKind::trip_start, 9},
                                    {EventKind::leg_start, 4},
                                    {EventKind::leg_end, 2}});
}
