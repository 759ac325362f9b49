// The demand models (sim/population/demand.hpp) against answers worked by hand: the level of
// service is a hand-made ServiceView, so every logsum is known.
#include <doctest/doctest.h>

#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include "sim/core/exp_log.hpp"
#include "sim/core/rng.hpp"
#include "sim/network/network.hpp"
#include "sim/population/demand.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"
#include "sim/scenario/scenario.hpp"

using namespace flemsim;
using core::Group;
using core::Purpose;

namespace {
const std::filesystem::path data = FLEMSIM_TEST_DATA;
constexpr double inf = std::numeric_limits<double>::infinity();

// The tiny scenario (zones west and east, gateway city) with the demand models on, scaled up so
// that shares can be told apart from noise; every model switched to its plainest form.
struct Fixture {
    scenario::Scenario s = scenario::load_scenario(data / "tiny.yaml");
    network::Network net = network::load_network(s.network);
    population::ZoneData zones;
    population::ZoneImpedance imp;
    std::uint32_t west = 0, east = 0, city = 0;
    Fixture() {
        s.population.scale = 20;
        s.demand.given = true;
        s.demand.departure_time.logsum_coefficient = 0;
        s.demand.destinations.logsum_coefficient = {1, 1, 1};
        zones = population::resolve_zone_data(s, net);
        const auto ctx = routing::build_routing(net, s);
        imp = routing::compute_zone_impedance(ctx, 8 * 3600);
        west = net.find_zone("west");
        east = net.find_zone("east");
        city = net.find_zone("city");
    }
    // A view whose logsum is ls(group, purpose, tools, o, d) in every period.
    template <class F>
    population::ServiceView view(F ls) const {
        population::ServiceView v;
        v.periods = 24;
        v.period_s = 3600;
        v.tour_logsum = [ls](Group g, Purpose p, std::uint8_t t, std::uint32_t o, std::uint32_t d, int, int) {
            return ls(g, p, t, o, d);
        };
        v.street_km = [](std::uint32_t o, std::uint32_t d) { return o == d ? 0.5 : 2.0; };
        return v;
    }
};

// The synthesis with every resident worker preferring east by far: logsums to work 4 to east,
// 0 to west and -5 to the city, 0 for everything else.
population::Population synthesize_east_preferred(const Fixture& f, population::SynthesisSummary& sum) {
    const auto v = f.view([&](Group, Purpose p, std::uint8_t, std::uint32_t, std::uint32_t d) {
        if (p == Purpose::work) return d == f.east ? 4.0 : d == f.west ? 0.0 : -5.0;
        return 0.0;
    });
    return population::synthesize(f.s, f.net, f.zones, f.imp, &sum, &v);
}

// Other tours of residents by destination zone.
std::array<double, 3> other_tours_by_zone(const population::Population& pop, const Fixture& f) {
    std::array<double, 3> n{};
    for (std::size_t p = 0; p < pop.person_count(); ++p) {
        if (!core::is_resident(pop.group[p])) continue;
        for (const auto t : pop.tours_of(p))
            if (pop.tour_purpose[t] == Purpose::other) {
                const auto z = pop.tour_zone[t];
                n[z == f.west ? 0 : z == f.east ? 1 : 2] += 1;
            }
    }
    return n;
}
}  // namespace

TEST_CASE("logit shares, log-sum and the logistic function by hand") {
    const double v[] = {0.0, std::log(3.0), -inf};
    const auto p = population::demand::logit_shares(v);
    CHECK(p[0] == doctest::Approx(0.25));
    CHECK(p[1] == doctest::Approx(0.75));
    CHECK(p[2] == 0.0);
    CHECK(population::demand::log_sum_exp(v) == doctest::Approx(std::log(4.0)));
    const double none[] = {-inf, -inf};
    CHECK(population::demand::log_sum_exp(none) == -inf);
    CHECK(population::demand::logistic(0) == doctest::Approx(0.5));
    CHECK(population::demand::logistic(std::log(3.0)) == doctest::Approx(0.75));
    CHECK(population::demand::logistic(-800) >= 0.0);
}

TEST_CASE("shadow prices fill a zone with capacity 100 within 1 %") {
    // 200 persons; zone A is worth e^2 times zone B, B has no limit. Unpriced, A draws
    // 200 e^2 / (e^2 + 1) = 176; at the price -2 both are worth the same and A draws exactly 100.
    const std::vector<double> counts = {200};
    const std::vector<std::vector<float>> u = {{2.0f, 0.0f}};
    const std::vector<double> capacity = {100, -1};
    const auto unpriced = population::demand::shadow_prices(counts, u, capacity, 0, 0.01);
    CHECK(unpriced.demand[0] == doctest::Approx(200 * std::exp(2.0) / (std::exp(2.0) + 1)));
    CHECK(unpriced.max_excess > 0.7);
    const auto r = population::demand::shadow_prices(counts, u, capacity, 50, 0.001);
    CHECK(r.demand[0] == doctest::Approx(100).epsilon(0.01));
    CHECK(r.price[0] == doctest::Approx(-2.0).epsilon(0.01));
    CHECK(r.price[1] == 0.0);
    CHECK(r.max_excess <= 0.001);
    // A zone chosen below its capacity keeps the price 0 (places left go to in-commuters).
    const std::vector<double> roomy = {500, -1};
    CHECK(population::demand::shadow_prices(counts, u, roomy, 50, 0.001).price[0] == 0.0);
}

TEST_CASE("shadow prices of many cells: the sums of one cell after the other, at any thread count") {
    // 700 cells (the shares go in parallel, 256 cells at a time: two whole batches and a part),
    // some of them empty, over 40 zones of which half have a capacity the demand exceeds. The
    // reference is written out here: rounds of one cell's logit shares after the other, added in
    // cell order. Prices and demands the same bits with one thread and with two.
    constexpr std::size_t cells = 700, zones = 40;
    core::Rng rng(5, core::Stream::person_attributes, 0x5d);
    std::vector<double> counts(cells), capacity(zones, -1.0);
    std::vector<std::vector<float>> u(cells, std::vector<float>(zones));
    for (std::size_t c = 0; c < cells; ++c) {
        counts[c] = c % 7 == 3 ? 0.0 : std::floor(1 + 20 * rng.uniform());
        for (auto& x : u[c]) x = static_cast<float>(3 * rng.uniform() - 1.5);
    }
    for (std::size_t j = 0; j < zones; j += 2) capacity[j] = 50 + 150 * rng.uniform();
    const auto reference = [&](int max_rounds, double tolerance) {
        population::demand::ShadowPrices r;
        r.price.assign(zones, 0.0);
        std::vector<double> v(zones);
        const auto expected = [&] {
            r.demand.assign(zones, 0.0);
            for (std::size_t c = 0; c < cells; ++c) {
                if (counts[c] <= 0) continue;
                for (std::size_t j = 0; j < zones; ++j) v[j] = u[c][j] + r.price[j];
                const auto p = population::demand::logit_shares(v);
                for (std::size_t j = 0; j < zones; ++j) r.demand[j] += counts[c] * p[j];
            }
            r.max_excess = 0;
            for (std::size_t j = 0; j < zones; ++j)
                if (capacity[j] >= 0 && r.demand[j] > capacity[j])
                    r.max_excess = std::max(r.max_excess, (r.demand[j] - capacity[j]) / capacity[j]);
        };
        expected();
        while (r.rounds < max_rounds && r.max_excess > tolerance) {
            ++r.rounds;
            for (std::size_t j = 0; j < zones; ++j)
                if (capacity[j] >= 0 && r.demand[j] > 0)
                    r.price[j] = std::min(0.0, r.price[j] + std::log(capacity[j] / r.demand[j]));
            expected();
        }
        return r;
    };
    const auto want = reference(6, 1e-4);
    CHECK(want.rounds >= 2);
    CHECK(want.price[0] < 0);
    for (const int threads : {1, 2}) {
        INFO("threads ", threads);
        const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                        static_cast<std::size_t>(threads));
        const auto got = population::demand::shadow_prices(counts, u, capacity, 6, 1e-4);
        CHECK(got.rounds == want.rounds);
        CHECK(got.price == want.price);
        CHECK(got.demand == want.demand);
        CHECK(got.max_excess == want.max_excess);
    }
}

TEST_CASE("sampling of alternatives with the correction term estimates the full logit") {
    // 40 zones with sizes and utilities; samples of 8 drawn by size (the importance), the choice
    // among the sample with ln(k / (S q)) added: the shares over many choosers match the full
    // logit. Without the correction they do not (size counted twice).
    const std::size_t n = 40;
    population::demand::Sample sample_check;
    std::vector<double> size(n), v(n);
    for (std::size_t j = 0; j < n; ++j) {
        size[j] = 1.0 + static_cast<double>((j * 7) % 11);
        v[j] = std::log(size[j]) + 0.05 * static_cast<double>((j * 13) % 17);
    }
    const auto full = population::demand::logit_shares(v);
    {
        // The draws are draw_index's, zero and negative weights never drawn, each zone's
        // correction from its count; small samples and large ones (whose draws are sorted by
        // buckets rather than std::sort).
        std::vector<double> w = size;
        w[0] = 0, w[5] = -2, w[39] = 0;
        double total = 0;
        for (const double q : w) total += std::max(0.0, q);
        for (const int draws : {12, 100, 1000})
            for (std::uint64_t c = 0; c < 200; ++c) {
                core::Rng rng(7, core::Stream::destination_sample, c), again(7, core::Stream::destination_sample, c);
                population::demand::sample_alternatives(w, draws, rng, sample_check);
                std::vector<std::uint32_t> expected;
                for (int k = 0; k < draws; ++k)
                    expected.push_back(
                        static_cast<std::uint32_t>(population::demand::draw_index(w, total, again.uniform())));
                std::sort(expected.begin(), expected.end());
                // ln by core::log_same_bits (the sampling's own, to the bit), within one ulp of
                // the C library's.
                std::vector<double> correction;
                bool near_library = true;
                for (std::size_t i = 0; i < expected.size();) {
                    std::size_t k = i;
                    while (k < expected.size() && expected[k] == expected[i]) ++k;
                    const double ratio = static_cast<double>(k - i) / (draws * (w[expected[i]] / total));
                    correction.push_back(core::log_same_bits(ratio));
                    near_library = near_library && std::abs(correction.back() - std::log(ratio)) <=
                                                       0x1p-52 * std::max(1.0, std::abs(std::log(ratio)));
                    i = k;
                }
                expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
                CHECK(sample_check.zone == expected);
                CHECK(sample_check.correction == correction);
                CHECK(near_library);
            }
    }
    {
        // In two steps, as choosers sharing their weights draw: running sums of size x factor,
        // then draws weighing each zone by size[z] x factor[z]: the same zones and corrections,
        // to the bit, as one step over the products (zero, negative and NaN weights skipped).
        std::vector<double> factor(n), w(n), running(n);
        for (std::size_t j = 0; j < n; ++j) factor[j] = std::exp(-0.37 * static_cast<double>((j * 5) % 9));
        std::vector<double> s = size;
        s[3] = 0, s[17] = -1, s[38] = std::numeric_limits<double>::quiet_NaN();
        for (std::size_t j = 0; j < n; ++j) w[j] = s[j] * factor[j];
        const auto c = population::demand::cumulate_positive(w, running);
        CHECK(c.last_positive == 39);
        CHECK(running[3] == running[2]);
        CHECK(running[17] == running[16]);
        CHECK(running[38] == running[37]);
        CHECK(running.back() == c.total);
        population::demand::Sample two;
        for (const int draws : {5, 100, 3000})
            for (std::uint64_t k = 0; k < 100; ++k) {
                core::Rng rng(9, core::Stream::destination_sample, k), again(9, core::Stream::destination_sample, k);
                population::demand::sample_alternatives(w, draws, rng, sample_check);
                population::demand::sample_from_running(running, c, s.data(), factor.data(), draws, again, two);
                REQUIRE(!two.zone.empty());
                CHECK(two.zone == sample_check.zone);
                CHECK(two.correction == sample_check.correction);
                CHECK(std::find(two.zone.begin(), two.zone.end(), 17u) == two.zone.end());
                CHECK(std::find(two.zone.begin(), two.zone.end(), 38u) == two.zone.end());
            }
    }
    std::vector<double> with(n, 0.0), without(n, 0.0);
    const int choosers = 60000;
    population::demand::Sample sample;
    for (int c = 0; c < choosers; ++c) {
        core::Rng rng(1, core::Stream::destination_sample, static_cast<std::uint64_t>(c));
        population::demand::sample_alternatives(size, 8, rng, sample);
        std::vector<double> a(sample.zone.size()), b(sample.zone.size());
        for (std::size_t i = 0; i < sample.zone.size(); ++i) {
            a[i] = v[sample.zone[i]] + sample.correction[i];
            b[i] = v[sample.zone[i]];
        }
        const auto pa = population::demand::logit_shares(a), pb = population::demand::logit_shares(b);
        for (std::size_t i = 0; i < sample.zone.size(); ++i) {
            with[sample.zone[i]] += pa[i] / choosers;
            without[sample.zone[i]] += pb[i] / choosers;
        }
    }
    double err_with = 0, err_without = 0;
    for (std::size_t j = 0; j < n; ++j) {
        err_with = std::max(err_with, std::abs(with[j] - full[j]));
        err_without = std::max(err_without, std::abs(without[j] - full[j]));
    }
    CHECK(err_with < 0.004);
    CHECK(err_without > 0.01);
}

TEST_CASE("destination choice over two zones with a known logsum difference gives the logit share") {
    // Other tours: utility ln(visits) + logsum (coefficient 1, no distance term). West has 50
    // visits, east 300; the gateway is out of reach (logsum -inf). With east's logsum ln 2 above
    // west's, the share of east is 600 / (50 + 600) = 0.923; with equal logsums 300 / 350 = 0.857.
    Fixture f;
    const auto run = [&](double east_gain) {
        const auto v = f.view([&](Group, Purpose, std::uint8_t, std::uint32_t, std::uint32_t d) {
            return d == f.city ? -inf : d == f.east ? east_gain : 0.0;
        });
        return population::synthesize(f.s, f.net, f.zones, f.imp, nullptr, &v);
    };
    const auto equal = other_tours_by_zone(run(0.0), f);
    const auto better = other_tours_by_zone(run(std::log(2.0)), f);
    CHECK(equal[2] == 0);
    CHECK(better[2] == 0);
    const double n = equal[0] + equal[1];
    REQUIRE(n > 5000);
    const double sd = std::sqrt(0.15 * 0.85 / n);
    CHECK(std::abs(equal[1] / n - 300.0 / 350.0) < 4 * sd);
    const double nb = better[0] + better[1];
    CHECK(std::abs(better[1] / nb - 600.0 / 650.0) < 4 * sd);
}

TEST_CASE("work places are shadow-priced, and never taken beyond a zone's jobs") {
    // East has 150 jobs (3,000 at scale 20); every resident worker prefers east by far. The
    // expected demand is priced down to its capacity, and the drawn count never exceeds it.
    Fixture f;
    f.s.demand.destinations.shadow_price_iterations = 50;
    f.s.demand.destinations.shadow_price_tolerance = 0.01;
    // Sizes: east 150 jobs, west 20, the city's weight 200,000: with logsums 4, 0 and -5,
    // east is worth 150 e^4 = 8,190 against 1,367 for the rest: 86 % of the 4,000 resident workers
    // (3,430) would choose it.
    population::SynthesisSummary sum;
    const auto pop = synthesize_east_preferred(f, sum);
    std::uint64_t at_east = 0, residents_at_east = 0;
    for (std::size_t p = 0; p < pop.person_count(); ++p)
        if (pop.work_zone[p] == f.east) {
            ++at_east;
            residents_at_east += core::is_resident(pop.group[p]) ? 1 : 0;
        }
    CHECK(sum.shadow_price_iterations > 0);
    CHECK(sum.shadow_price_max_excess <= 0.01);
    CHECK(residents_at_east <= 3000);
    CHECK(residents_at_east >= 2900);  // within the 1 % the prices leave, less the draws' spread
    CHECK(at_east == 3000);            // in-commuters take the rest
}

TEST_CASE("without shadow prices the persons fill a zone's jobs in their order, and none beyond") {
    // Every resident worker prefers east by far (logsum 4 against 0 and -5) and no price holds
    // them back: east's 3,000 jobs close while workers are still choosing, in the middle of a run
    // of choices drawn together, and the workers after the one who took the last job choose
    // again among the zones left. East ends exactly full with residents.
    Fixture f;
    f.s.demand.destinations.shadow_price_iterations = 0;
    population::SynthesisSummary sum;
    const auto pop = synthesize_east_preferred(f, sum);
    std::uint64_t residents_at_east = 0, resident_workers = 0;
    for (std::size_t p = 0; p < pop.person_count(); ++p) {
        if (pop.group[p] != Group::resident_worker) continue;
        ++resident_workers;
        residents_at_east += pop.work_zone[p] == f.east ? 1 : 0;
    }
    REQUIRE(resident_workers > 3400);  // 86 % of them would choose east: more than its jobs
    CHECK(sum.shadow_price_iterations == 0);
    CHECK(residents_at_east == 3000);
}

TEST_CASE("destinations chosen among a sample of the zones have the shares of the full logit") {
    // Other tours of residents with a sample of 2 of the 3 zones (west 50 visits, east 300, the
    // city gateway given 400), drawn by size x exp(γ km) and corrected by ln(k / (S q)). With
    // every logsum 0 the importance is proportional to exp(utility), and then even a sample of
    // 2 is exact: a zone is chosen with probability P² (drawn twice) + Σ 2 P Q / 2 (drawn with
    // another, both corrected to the same utility) = P. The shares per home zone are those of the
    // logit over all three, ln(size) + γ km with the view's 0.5 km within a zone and 2 km between
    // zones. An importance without the distance factor would give west, from west, 0.10 instead
    // of 0.19. With γ = 0 (the sampling's running sums then one row for every home zone) the
    // shares are those of the sizes alone.
    for (const double gamma : {-0.8, 0.0}) {
        CAPTURE(gamma);
        Fixture f;
        f.s.demand.destinations.sample_size = 2;
        f.s.demand.destinations.distance_per_km = {0, 0, gamma};
        f.zones.gw_visits[f.city] = 400;
        const auto v = f.view([&](Group, Purpose, std::uint8_t, std::uint32_t, std::uint32_t) { return 0.0; });
        const auto pop = population::synthesize(f.s, f.net, f.zones, f.imp, nullptr, &v);
        const std::array<std::uint32_t, 3> zone{f.west, f.east, f.city};
        const std::array<double, 3> size{50, 300, 400};
        for (const auto home : {f.west, f.east}) {
            std::array<double, 3> u{}, n{};
            for (std::size_t k = 0; k < 3; ++k) u[k] = std::log(size[k]) + gamma * (zone[k] == home ? 0.5 : 2.0);
            const auto share = population::demand::logit_shares(u);
            double all = 0;
            for (std::size_t p = 0; p < pop.person_count(); ++p) {
                if (!core::is_resident(pop.group[p]) || pop.home_zone[p] != home) continue;
                for (const auto t : pop.tours_of(p))
                    if (pop.tour_purpose[t] == Purpose::other) {
                        const auto k = std::find(zone.begin(), zone.end(), pop.tour_zone[t]) - zone.begin();
                        n[static_cast<std::size_t>(k)] += 1;
                        all += 1;
                    }
            }
            REQUIRE(all > 1000);
            for (std::size_t k = 0; k < 3; ++k)
                CHECK(std::abs(n[k] / all - share[k]) < 4 * std::sqrt(share[k] * (1 - share[k]) / all));
        }
    }
}

TEST_CASE("in-commuters' count is a scenario input") {
    Fixture f;
    const auto v = f.view([](Group, Purpose, std::uint8_t, std::uint32_t, std::uint32_t) { return 0.0; });
    population::SynthesisSummary all, some;
    population::synthesize(f.s, f.net, f.zones, f.imp, &all, &v);
    f.s.demand.in_commuters.workers = 25;  // 500 at scale 20
    population::synthesize(f.s, f.net, f.zones, f.imp, &some, &v);
    REQUIRE(all.in_commuting_workers > 500);
    CHECK(some.in_commuting_workers == 500);
    CHECK(some.in_commuting_students == all.in_commuting_students);
}

TEST_CASE("in-commuters' tools follow the place's level of service (lower level of the gateway choice)") {
    // One gateway (city). To east a car is worth logsum ln 3 (exp 3 times as attractive), to west
    // nothing: with tools by place, P(car | city, east) = 3 x / (3 x + 1 - x) for the gateway's
    // car share x, and x at west; by gateway, x at both. Bike and pass are worth nothing either
    // way, so their shares stay.
    Fixture f;
    const double x = f.s.population.attributes[static_cast<std::size_t>(Group::worker)].car_availability;
    REQUIRE(x > 0.1);
    REQUIRE(x < 0.9);
    const auto east = f.east;
    const auto v = f.view([east](Group, Purpose, std::uint8_t t, std::uint32_t, std::uint32_t d) {
        return d == east && (t & population::tool_car) ? std::log(3.0) : 0.0;
    });
    const auto shares = [&](bool by_place) {
        f.s.demand.in_commuters.tools_by_place = by_place;
        const auto pop = population::synthesize(f.s, f.net, f.zones, f.imp, nullptr, &v);
        std::array<double, 2> cars{}, n{};
        double bikes = 0, all = 0;
        for (std::size_t p = 0; p < pop.person_count(); ++p) {
            if (pop.group[p] != Group::worker) continue;
            const std::size_t k = pop.work_zone[p] == east ? 1 : 0;
            n[k] += 1;
            cars[k] += pop.car_available[p];
            bikes += pop.bike_owner[p];
            all += 1;
        }
        REQUIRE(n[0] > 300);
        REQUIRE(n[1] > 300);
        return std::array<double, 5>{cars[0] / n[0], cars[1] / n[1], n[0], n[1], bikes / all};
    };
    const double bike = f.s.population.attributes[static_cast<std::size_t>(Group::worker)].bike_ownership;
    const auto within = [](double share, double p, double n) {
        return std::abs(share - p) < 4 * std::sqrt(p * (1 - p) / n);
    };
    const auto place = shares(true);
    const double east_car = 3 * x / (3 * x + 1 - x);
    CHECK(within(place[0], x, place[2]));
    CHECK(within(place[1], east_car, place[3]));
    CHECK(within(place[4], bike, place[2] + place[3]));
    const auto gateway = shares(false);
    CHECK(within(gateway[0], x, gateway[2]));
    CHECK(within(gateway[1], x, gateway[3]));
    CHECK_FALSE(within(gateway[1], east_car, gateway[3]));
}

TEST_CASE("staying home happens at the stated rate, and the tours per person stay as given") {
    Fixture f;
    const auto v = f.view([](Group, Purpose, std::uint8_t, std::uint32_t, std::uint32_t) { return 0.0; });
    population::SynthesisSummary none;
    const auto base = population::synthesize(f.s, f.net, f.zones, f.imp, &none, &v);
    CHECK(none.persons_staying_home == 0);
    // Residents 30 %, the others 10 % (their work and study rates of 0.9 leave no room for more:
    // a rate is per person and day, and those going out cannot make more than one such tour).
    f.s.demand.trip_making.stay_home = {0.3, 0.1, 0.1, 0.1, 0.1};
    population::SynthesisSummary sum;
    const auto pop = population::synthesize(f.s, f.net, f.zones, f.imp, &sum, &v);
    const double n = static_cast<double>(pop.person_count());
    double expected = 0;
    for (std::size_t p = 0; p < pop.person_count(); ++p) expected += pop.group[p] == Group::resident ? 0.3 : 0.1;
    CHECK(std::abs(static_cast<double>(sum.persons_staying_home) - expected) < 4 * std::sqrt(0.21 * n));
    // The rates are per person and day: those going out make 1 / (1 - share) as many tours.
    const double ratio = static_cast<double>(pop.tour_count()) / static_cast<double>(base.tour_count());
    CHECK(ratio == doctest::Approx(1.0).epsilon(0.05));
    // The share falls where accessibility is above the reference.
    f.s.demand.trip_making.accessibility = 1.0;
    f.s.demand.trip_making.reference_accessibility = 0.0;
    const auto better = f.view([](Group, Purpose, std::uint8_t, std::uint32_t, std::uint32_t) { return 1.0; });
    population::SynthesisSummary more;
    population::synthesize(f.s, f.net, f.zones, f.imp, &more, &better);
    CHECK(more.persons_staying_home < sum.persons_staying_home);
}

TEST_CASE("car ownership falls with better transit accessibility (two zones)") {
    // A car is worth the accessibility it adds: logsum 1 with a car, `without` without. Better
    // transit raises `without`, so fewer households keep a car.
    Fixture f;
    auto& mt = f.s.demand.mobility_tools;
    mt.given = true;
    mt.household_size = {0.5, 0.5};
    mt.cars = {};
    mt.cars.asc_one = -0.5;
    mt.cars.asc_two_plus = -3;
    mt.cars.accessibility = 1.0;
    mt.pass = {};
    mt.bike = {};
    mt.work_weight = 0;  // the accessibility to everything alone
    const auto cars_with = [&](double without) {
        const auto v = f.view([&](Group, Purpose, std::uint8_t t, std::uint32_t, std::uint32_t) {
            return (t & population::tool_car) ? 1.0 : without;
        });
        population::SynthesisSummary sum;
        const auto pop = population::synthesize(f.s, f.net, f.zones, f.imp, &sum, &v);
        CHECK(sum.households > 0);
        CHECK(sum.households_by_cars[0] + sum.households_by_cars[1] + sum.households_by_cars[2] == sum.households);
        return static_cast<double>(sum.households - sum.households_by_cars[0]) / static_cast<double>(sum.households);
    };
    const double poor = cars_with(-1.0), good = cars_with(0.8);
    // The car's gain is the logsum difference (with every zone alike, accessibility differs by
    // it): 2 against 0.2; P(no car) = 1 / (1 + e^(-0.5 + g) + e^(-3 + g)).
    const auto owning = [](double g) { return 1 - 1 / (1 + std::exp(-0.5 + g) + std::exp(-3 + g)); };
    CHECK(poor == doctest::Approx(owning(2.0)).epsilon(0.05));
    CHECK(good == doctest::Approx(owning(0.2)).epsilon(0.05));
    CHECK(good < poor - 0.2);
}

TEST_CASE("a tour never leaves in a period in which no mode goes both ways") {
    // From 20:00 nothing runs (no transit, and the person has no other mode in this view): no tour
    // leaves then, nor leaves so that the trip back falls after it. The profile of "other" tours
    // has weight until 22:00.
    Fixture f;
    population::ServiceView v;
    v.periods = 24;
    v.period_s = 3600;
    v.tour_logsum = [](Group, Purpose, std::uint8_t, std::uint32_t, std::uint32_t, int out, int back) {
        return out >= 20 || back >= 20 || back < out ? -inf : 0.0;
    };
    v.street_km = [](std::uint32_t, std::uint32_t) { return 1.0; };
    const auto pop = population::synthesize(f.s, f.net, f.zones, f.imp, nullptr, &v);
    std::size_t late = 0, checked = 0;
    for (std::size_t t = 0; t < pop.tour_count(); ++t) {
        ++checked;
        if (pop.tour_depart_s[t] >= 20 * 3600) ++late;
    }
    REQUIRE(checked > 1000);
    CHECK(late == 0);
    // Without the demand models, the profile alone sends tours out after 20:00.
    f.s.demand.given = false;
    const auto plain = population::synthesize(f.s, f.net, f.zones, f.imp);
    std::size_t plain_late = 0;
    for (std::size_t t = 0; t < plain.tour_count(); ++t) plain_late += plain.tour_depart_s[t] >= 20 * 3600 ? 1 : 0;
    CHECK(plain_late > 0);
}

TEST_CASE("the demand models are deterministic whatever the threads") {
    Fixture f;
    const auto v = f.view([&](Group, Purpose, std::uint8_t t, std::uint32_t, std::uint32_t d) {
        return (d == f.east ? 0.5 : 0.0) + ((t & population::tool_car) ? 0.3 : 0.0);
    });
    auto& mt = f.s.demand.mobility_tools;
    mt.given = true;
    mt.household_size = {0.4, 0.3, 0.3};
    mt.cars.asc_one = 0.2;
    mt.cars.asc_two_plus = -2;
    mt.cars.accessibility = 0.5;
    f.s.demand.trip_making.stay_home = {0.2, 0.1, 0.1, 0, 0};
    population::Population a, b;
    {
        tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
        a = population::synthesize(f.s, f.net, f.zones, f.imp, nullptr, &v);
    }
    {
        tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
        b = population::synthesize(f.s, f.net, f.zones, f.imp, nullptr, &v);
    }
    CHECK(a.car_available == b.car_available);
    CHECK(a.work_zone == b.work_zone);
    CHECK(a.tour_zone == b.tour_zone);
    CHECK(a.tour_depart_s == b.tour_depart_s);
}
