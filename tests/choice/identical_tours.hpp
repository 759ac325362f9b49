#pragma once
// A population of `persons` identical persons (residents of zone 0), each with one "other" tour
// to zone 0's node 1 from 08:00 to 09:00: the fixture of tests that work a choice out by hand.
#include <cstddef>
#include <cstdint>

#include "sim/population/population.hpp"

namespace flemsim::testing {

inline population::Population identical_tours(std::size_t persons, bool car, bool bike, bool pass) {
    population::Population pop;
    for (std::size_t p = 0; p < persons; ++p) {
        pop.group.push_back(core::Group::resident);
        pop.home_zone.push_back(0);
        pop.home_node.push_back(0);
        pop.work_zone.push_back(core::invalid_index);
        pop.work_node.push_back(core::invalid_index);
        pop.study_zone.push_back(core::invalid_index);
        pop.study_node.push_back(core::invalid_index);
        pop.car_available.push_back(car);
        pop.bike_owner.push_back(bike);
        pop.transit_pass.push_back(pass);
        pop.person_first_tour.push_back(static_cast<std::uint32_t>(p));
        pop.tour_purpose.push_back(core::Purpose::other);
        pop.tour_zone.push_back(0);
        pop.tour_node.push_back(1);
        pop.tour_depart_s.push_back(8 * 3600);
        pop.tour_return_s.push_back(9 * 3600);
    }
    pop.person_first_tour.push_back(static_cast<std::uint32_t>(persons));
    return pop;
}

}  // namespace flemsim::testing
