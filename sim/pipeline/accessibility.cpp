#include "sim/pipeline/accessibility.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"
#include "sim/core/text.hpp"
#include "sim/network/network.hpp"
#include "sim/network/patch.hpp"
#include "sim/output/omx.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"

namespace flemsim::pipeline {

Accessibility write_skims_and_accessibility(const scenario::Scenario& s, const std::filesystem::path& dir,
                                            std::int32_t time_of_day_s, const std::string& centre, int threads) {
    return write_skims_and_accessibility(
        s,
        [&] {
            std::filesystem::create_directories(dir);
            return dir;
        },
        time_of_day_s, centre, threads);
}

Accessibility write_skims_and_accessibility(const scenario::Scenario& s,
                                            const std::function<std::filesystem::path()>& folder,
                                            std::int32_t time_of_day_s, const std::string& centre, int threads) {
    const int t = threads > 0 ? threads : tbb::info::default_concurrency();
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(t));
    const auto net = network::load_scenario_network(s);
    const auto zones = population::resolve_zone_data(s, net);
    const auto ctx = routing::build_routing(net, s);
    const std::size_t nz = net.zone_count();

    // The centre first: a wrong one must fail before the skims are computed or anything written.
    Accessibility acc;
    std::uint32_t c = core::invalid_index;
    if (!centre.empty()) {
        c = net.find_zone(centre);
        if (c == core::invalid_index || net.zone_kind[c] != network::ZoneKind::study)
            throw core::InputError({"--centre", 0, 0}, "no study zone '" + centre + "'");
    } else {
        for (std::uint32_t z = 0; z < nz; ++z)
            if (net.zone_kind[z] == network::ZoneKind::study &&
                (c == core::invalid_index || zones.jobs[z] > zones.jobs[c]))
                c = z;
    }
    acc.centre = net.zone_ids[c];
    const auto skims = routing::compute_zone_skims(ctx, time_of_day_s);
    const std::filesystem::path dir = folder();
    output::write_omx(dir / "skims.omx", net.zone_ids, skims.names, skims.values);
    // The door-to-door minutes of each mode in the skims.
    const std::pair<const char*, std::size_t> modes[] = {{"walk", 0}, {"bike", 2}, {"transit", 6}, {"car", 4}};
    for (std::uint32_t i = 0; i < nz; ++i) {
        if (net.zone_kind[i] != network::ZoneKind::study) continue;
        for (const auto& [mode, m] : modes) {
            AccessibilityRow row{net.zone_ids[i], net.zone_names[i], mode};
            for (std::uint32_t j = 0; j < nz; ++j) {
                if (net.zone_kind[j] != network::ZoneKind::study) continue;
                const double minutes = i == j ? 0.0 : skims.values[m][i * nz + j];
                if (!(minutes <= 45)) continue;  // NaN (no path) fails too
                row.jobs_45 += zones.jobs[j];
                row.study_places_45 += zones.study_places[j];
                if (minutes <= 30) row.jobs_30 += zones.jobs[j], row.study_places_30 += zones.study_places[j];
            }
            acc.rows.push_back(row);
        }
    }
    for (const auto& [mode, m] : modes) {
        double residents = 0;
        for (std::uint32_t i = 0; i < nz; ++i)
            if (net.zone_kind[i] == network::ZoneKind::study && (i == c || skims.values[m][i * nz + c] <= 30))
                residents += zones.residents[i];
        acc.residents_within_30_of_centre.emplace_back(mode, residents);
    }

    fmt::memory_buffer a;
    fmt::format_to(std::back_inserter(a), "zone,name,mode,jobs_30,jobs_45,study_places_30,study_places_45\n");
    for (const auto& r : acc.rows)
        fmt::format_to(std::back_inserter(a), "{},{},{},{:g},{:g},{:g},{:g}\n", r.zone, r.name, r.mode, r.jobs_30,
                       r.jobs_45, r.study_places_30, r.study_places_45);
    core::write_file_atomically(dir / "accessibility.csv", fmt::to_string(a));
    fmt::memory_buffer k;
    fmt::format_to(std::back_inserter(k), "centre,mode,residents_within_30_min\n");
    for (const auto& [mode, r] : acc.residents_within_30_of_centre)
        fmt::format_to(std::back_inserter(k), "{},{},{:g}\n", acc.centre, mode, r);
    core::write_file_atomically(dir / "catchment.csv", fmt::to_string(k));
    return acc;
}

}  // namespace flemsim::pipeline
