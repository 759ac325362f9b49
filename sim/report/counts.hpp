#pragma once
// Counts: a simulated day against observations (`flemsim counts`). Link volumes by hour (cars and
// buses, both directions unless one is named) and passengers at stops (boardings, or boardings
// plus alightings), per hour or per day, compared count by count with the GEH statistic
//
//   GEH = sqrt(2 (M - C)^2 / (M + C))      M modelled, C counted (hourly flows)
//
// (the UK guidance's test: a model is acceptable where 85 % of hourly link counts have GEH < 5),
// and the mean absolute percentage error. A daily count is compared on the same scale by dividing
// both values by 24 before the GEH (the usual practice for daily counts), and says so.
//
// Observations come from a plain CSV or from MATSim's counts files:
//   CSV        kind,id,hour,count[,direction]   kind: link, boardings or passengers; id: a link or
//              stop id, or several joined by '+' (summed, e.g. the platforms of one station);
//              hour: 0-23, or `day` for a daily total; direction: both (default), forward, backward
//   MATSim v1  <counts><count loc_id="LINK"><volume h="1..24" val="..."/></count></counts>
//   MATSim v2  <counts><measurementLocation refId="LINK"><measurable type="volumes" interval="3600">
//              <value t="SECONDS" val="..."/></measurable></measurementLocation></counts>
//              (interval 3600: hourly; 86400: daily)
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/records.hpp"

namespace flemsim::report {

enum class CountKind : std::uint8_t { link, boardings, passengers };
enum class CountDirection : std::uint8_t { both, forward, backward };

struct Observation {
    CountKind kind = CountKind::link;
    std::vector<std::string> ids;  // summed
    int hour = -1;                 // 0..23; -1: the whole day
    CountDirection direction = CountDirection::both;
    double count = 0;
    core::SourcePos pos;  // where the observation was read
};

// Reads a counts file: MATSim XML (version 1 or 2, told apart by their elements) when the file
// starts with '<', else the CSV above. Throws core::InputError naming file:line and what is wrong.
std::vector<Observation> read_counts(const std::filesystem::path& path);

double geh(double modelled, double counted);

// What the model gives, from a simulated day's tables: link volumes (cars + buses) and, per stop
// and hour, boardings and alightings. Stops and links by their ids (the trip log's lookups).
struct ModelCounts {
    std::vector<std::string> link_ids, stop_ids;
    std::vector<core::LinkVolumeRecord> link_volumes;
    // per stop x 48 hours
    std::vector<double> boardings, alightings;
    static constexpr int hours = 48;
};

struct CountRow {
    Observation obs;
    double modelled = 0;
    double geh = 0;  // on the hourly scale (a daily count: both / 24)
};

struct CountsResult {
    std::vector<CountRow> rows;
    std::size_t under_geh5 = 0;
    double share_under_geh5 = 0;
    double mape = 0;  // over counts above 0
    double counted_total = 0, modelled_total = 0;
};

// Matches every observation to the model; an id the trip log does not know is an InputError at
// the observation's position.
CountsResult compare_counts(const std::vector<Observation>& observations, const ModelCounts& model);

std::string counts_table(const CountsResult& r);
std::string counts_csv(const CountsResult& r);
std::string counts_json(const CountsResult& r);
// A self-contained SVG scatter plot of modelled against counted, with the GEH 5 band.
std::string counts_scatter_svg(const CountsResult& r);

}  // namespace flemsim::report
