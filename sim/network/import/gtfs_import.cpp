#include "sim/network/import/gtfs_import.hpp"

#include <zip.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "sim/core/fs.hpp"
#include "sim/core/text.hpp"
#include "sim/core/types.hpp"
#include "sim/network/import/gtfs_csv.hpp"

namespace flemsim::network::import {

using core::InputError;
using core::invalid_index;
using core::SourcePos;

namespace {

constexpr std::int32_t no_time = -1;  // an empty arrival or departure time in stop_times.txt

// ---------------------------------------------------------------------------------------------
// The tables of a feed, from a folder or a zip archive. Names in messages are `feed/table.txt`.

class FeedFiles {
public:
    explicit FeedFiles(const std::filesystem::path& feed) : m_feed(feed) {
        if (core::is_directory(feed)) return;
        if (!std::filesystem::is_regular_file(feed))
            throw core::IoError(feed.string() + ": no such GTFS feed (expected a folder or a .zip file)");
        int code = 0;
        m_zip = zip_open(feed.c_str(), ZIP_RDONLY, &code);
        if (m_zip == nullptr) {
            zip_error_t error;
            zip_error_init_with_code(&error, code);
            const std::string why = zip_error_strerror(&error);
            zip_error_fini(&error);
            throw InputError({feed.string()}, "cannot read the GTFS feed as a zip archive: " + why,
                             "a feed is a .zip file or a folder of .txt tables");
        }
    }
    FeedFiles(const FeedFiles&) = delete;
    FeedFiles& operator=(const FeedFiles&) = delete;
    ~FeedFiles() {
        if (m_zip != nullptr) zip_discard(m_zip);
    }

    std::string label(const std::string& name) const { return (m_feed / name).string(); }

    bool has(const std::string& name) const {
        if (m_zip == nullptr) return std::filesystem::is_regular_file(m_feed / name);
        return locate(name) >= 0;
    }

    GtfsTable open(const std::string& name) const {
        if (!has(name)) throw InputError({m_feed.string()}, "missing required file " + name);
        return GtfsTable(label(name), read(name));
    }

    std::optional<GtfsTable> open_optional(const std::string& name) const {
        if (!has(name)) return std::nullopt;
        return GtfsTable(label(name), read(name));
    }

private:
    // Tables may sit in one folder inside the archive, as some publishers pack them.
    zip_int64_t locate(const std::string& name) const { return zip_name_locate(m_zip, name.c_str(), ZIP_FL_NODIR); }

    std::string read(const std::string& name) const {
        if (m_zip == nullptr) {
            std::ifstream in(m_feed / name, std::ios::binary);
            if (!in) throw core::IoError(label(name) + ": cannot open");
            return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        const auto index = locate(name);
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(m_zip, static_cast<zip_uint64_t>(index), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
            throw InputError({label(name)}, "cannot read the size of the table in the zip archive");
        std::string text(static_cast<std::size_t>(st.size), '\0');
        zip_file_t* file = zip_fopen_index(m_zip, static_cast<zip_uint64_t>(index), 0);
        if (file == nullptr)
            throw InputError({label(name)}, std::string("cannot open in the zip archive: ") + zip_strerror(m_zip));
        const auto got = zip_fread(file, text.data(), st.size);
        zip_fclose(file);
        if (got < 0 || static_cast<zip_uint64_t>(got) != st.size)
            throw InputError({label(name)}, "cannot read the table from the zip archive (damaged archive?)");
        return text;
    }

    std::filesystem::path m_feed;
    zip_t* m_zip = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Vehicle kinds. Capacities are defaults for a typical vehicle of each kind (GTFS carries no
// capacities); edit vehicles.csv after the import where better figures are known.

enum class Kind : std::uint8_t {
    tram,
    metro,
    rail,
    bus,
    ferry,
    cable_tram,
    aerial_lift,
    funicular,
    trolleybus,
    monorail,
    count
};

struct KindInfo {
    const char* id;
    const char* name;
    std::uint32_t seated;
    std::uint32_t standing;
    LineMode mode;
};

constexpr KindInfo kind_info[] = {
    {"tram", "tram (default capacity)", 80, 170, LineMode::tram},
    {"metro", "metro train (default capacity)", 300, 900, LineMode::rail},
    {"rail", "train (default capacity)", 370, 500, LineMode::rail},
    {"bus", "bus (default capacity)", 40, 50, LineMode::bus},
    {"ferry", "ferry (default capacity)", 300, 100, LineMode::rail},
    {"cable_tram", "cable tram (default capacity)", 30, 40, LineMode::rail},
    {"aerial_lift", "aerial lift cabin (default capacity)", 8, 0, LineMode::rail},
    {"funicular", "funicular car (default capacity)", 60, 100, LineMode::rail},
    {"trolleybus", "trolleybus (default capacity)", 40, 50, LineMode::bus},
    {"monorail", "monorail train (default capacity)", 150, 300, LineMode::rail},
};
static_assert(std::size(kind_info) == static_cast<std::size_t>(Kind::count));

// The kind of a GTFS route_type (base types 0-12, extended types 100-1799 by their hundred);
// nullopt for types we do not simulate (air, self drive), an error for unknown types.
std::optional<Kind> kind_of_route_type(const GtfsTable& t, std::size_t col) {
    const auto type = t.integer(col);
    switch (type) {
        case 0:
            return Kind::tram;
        case 1:
            return Kind::metro;
        case 2:
            return Kind::rail;
        case 3:
            return Kind::bus;
        case 4:
            return Kind::ferry;
        case 5:
            return Kind::cable_tram;
        case 6:
            return Kind::aerial_lift;
        case 7:
            return Kind::funicular;
        case 11:
            return Kind::trolleybus;
        case 12:
            return Kind::monorail;
        default:
            break;
    }
    if (type >= 100 && type < 1800) {
        switch (type / 100) {
            case 1:
                return Kind::rail;  // railway
            case 2:
                return Kind::bus;  // coach
            case 3:
                return Kind::rail;  // suburban railway
            case 4:
                return Kind::metro;  // urban railway
            case 5:
                return Kind::metro;  // metro
            case 6:
                return Kind::metro;  // underground
            case 7:
                return Kind::bus;  // bus
            case 8:
                return Kind::trolleybus;  // trolleybus
            case 9:
                return Kind::tram;  // tram
            case 10:
                return Kind::ferry;  // water transport
            case 11:
                return std::nullopt;  // air
            case 12:
                return Kind::ferry;  // ferry
            case 13:
                return Kind::aerial_lift;  // aerial lift
            case 14:
                return Kind::funicular;  // funicular
            case 15:
                return Kind::bus;  // taxi (shared)
            case 16:
                return std::nullopt;  // self drive
            case 17:
                return Kind::bus;  // miscellaneous
            default:
                break;
        }
    }
    t.fail(col, "unknown route_type " + std::to_string(type), "base types are 0-7, 11 and 12; extended types 100-1799");
}

// ---------------------------------------------------------------------------------------------
// Ids and names in the network format.

// Ids keep [A-Za-z0-9_-]; other characters become '_'; `taken` keeps them unique (`_2`, ...).
std::string unique_id(std::string_view raw, std::unordered_set<std::string>& taken) {
    std::string id(raw);
    for (char& c : id)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            c = '_';
    if (id.empty()) id = "_";
    std::string candidate = id;
    for (int k = 2; !taken.insert(candidate).second; ++k) candidate = id + "_" + std::to_string(k);
    return candidate;
}

// Names may not hold commas, double quotes or line breaks in our CSV tables: a comma becomes a
// semicolon, a double quote a single one, and line breaks and tabs become spaces.
std::string clean_name(std::string_view raw) {
    std::string name(raw);
    for (char& c : name) {
        if (c == ',') c = ';';
        if (c == '"') c = '\'';
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    return name;
}

// ---------------------------------------------------------------------------------------------
// Dates.

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// 0 = Monday ... 6 = Sunday, the order of calendar.txt's columns.
int weekday_of(std::int32_t yyyymmdd) {
    const auto days = days_from_civil(yyyymmdd / 10000, static_cast<unsigned>(yyyymmdd / 100 % 100),
                                      static_cast<unsigned>(yyyymmdd % 100));
    return static_cast<int>(((days + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
}

std::int32_t parse_service_date(const std::string& s) {
    bool ok = s.size() == 10 && s[4] == '-' && s[7] == '-';
    for (std::size_t i = 0; ok && i < s.size(); ++i)
        if (i != 4 && i != 7) ok = s[i] >= '0' && s[i] <= '9';
    const std::int32_t v = ok ? std::stoi(s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2)) : 0;
    if (!ok || !valid_gtfs_date(v)) throw InputError({}, "service date: expected a date YYYY-MM-DD, got '" + s + "'");
    return v;
}

// ---------------------------------------------------------------------------------------------
// Median in whole seconds; of an even count, the mean of the two middle values rounded half up.

std::int32_t median(std::vector<std::int32_t> v) {
    assert(!v.empty());
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    if (n % 2 == 1) return v[n / 2];
    return static_cast<std::int32_t>((static_cast<std::int64_t>(v[n / 2 - 1]) + v[n / 2] + 1) / 2);
}

// ---------------------------------------------------------------------------------------------
// Nearest node with a walk link, on a grid of cells max_stop_link_m wide (a 3x3 block of cells
// holds every node within that distance).

class WalkNodeGrid {
public:
    WalkNodeGrid(const Network& net, double cell_m) : m_net(net), m_cell_m(cell_m) {
        std::vector<char> walk(net.node_count(), 0);
        for (std::size_t l = 0; l < net.link_count(); ++l)
            if (net.link_modes[l] & walk_bit) walk[net.link_from[l]] = walk[net.link_to[l]] = 1;
        for (std::uint32_t n = 0; n < net.node_count(); ++n)
            if (walk[n]) {
                m_nodes.push_back(n);
                m_cells[key(cell(net.node_x_m[n]), cell(net.node_y_m[n]))].push_back(n);
            }
    }

    // The nearest walk node within the cell width (ties: lowest index), or invalid_index.
    std::uint32_t nearest_within(double x, double y) const {
        std::uint32_t best = invalid_index;
        double best_d = m_cell_m;
        const auto cx = cell(x), cy = cell(y);
        for (std::int64_t dx = -1; dx <= 1; ++dx)
            for (std::int64_t dy = -1; dy <= 1; ++dy) {
                const auto it = m_cells.find(key(cx + dx, cy + dy));
                if (it == m_cells.end()) continue;
                for (const auto n : it->second) {
                    const double d = std::hypot(m_net.node_x_m[n] - x, m_net.node_y_m[n] - y);
                    if (d < best_d || (d == best_d && n < best)) {
                        best_d = d;
                        best = n;
                    }
                }
            }
        return best;
    }

    // Distance to the nearest walk node anywhere (infinity when there is none); for messages.
    double distance_to_nearest(double x, double y) const {
        double best = std::numeric_limits<double>::infinity();
        for (const auto n : m_nodes) best = std::min(best, std::hypot(m_net.node_x_m[n] - x, m_net.node_y_m[n] - y));
        return best;
    }

private:
    std::int64_t cell(double v) const { return static_cast<std::int64_t>(std::floor(v / m_cell_m)); }
    static std::int64_t key(std::int64_t cx, std::int64_t cy) { return cx * 4294967311LL + cy; }

    const Network& m_net;
    double m_cell_m;
    std::vector<std::uint32_t> m_nodes;
    std::unordered_map<std::int64_t, std::vector<std::uint32_t>> m_cells;
};

// ---------------------------------------------------------------------------------------------
// The feed as read.

struct StopTimeRow {
    std::uint32_t trip;
    std::uint32_t stop;
    std::int64_t sequence;
    std::int32_t arrival;    // no_time when empty
    std::int32_t departure;  // no_time when empty
    int line;
    int sequence_col, arrival_col, departure_col;
};

struct Frequency {
    std::int32_t start_s, end_s, headway_s;
};

// Departure rate over [from_s, to_s), in departures per second.
struct RateInterval {
    std::int32_t from_s, to_s;
    double per_s;
};

// Trips of one line: same route, direction and kept stops.
struct Group {
    std::uint32_t route;
    int direction;
    std::vector<std::uint32_t> stops;                             // new stop indices (offset by the network's stops)
    std::vector<std::vector<std::int32_t>> arrivals, departures;  // per trip, per stop
    std::vector<RateInterval> rates;
    std::int32_t first_departure_s = std::numeric_limits<std::int32_t>::max();
};

std::string ids_hint(std::string_view word, const std::unordered_map<std::string, std::uint32_t>& map) {
    if (map.size() > 2000) return {};  // a suggestion is not worth a slow message
    std::vector<std::string> ids;
    ids.reserve(map.size());
    for (const auto& [id, _] : map) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    return core::did_you_mean(word, ids);
}

std::uint32_t ref(const GtfsTable& t, std::size_t col, const std::unordered_map<std::string, std::uint32_t>& map,
                  const char* what) {
    const std::string id(t.required_text(col));
    const auto it = map.find(id);
    if (it == map.end()) t.fail(col, std::string("unknown ") + what + " '" + id + "'", ids_hint(id, map));
    return it->second;
}

// Appends the headway intervals of one line from its departure rates: elementary segments between all interval ends,
// the rates covering each added up, headway = round(1 / rate), adjacent equal headways merged.
void rates_to_headways(const std::vector<RateInterval>& rates, std::vector<std::int32_t>& from,
                       std::vector<std::int32_t>& to, std::vector<std::int32_t>& headway) {
    const auto first = to.size();  // intervals of earlier lines are not merged with
    std::vector<std::int32_t> cuts;
    for (const auto& r : rates) {
        cuts.push_back(r.from_s);
        cuts.push_back(r.to_s);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
        double per_s = 0;
        for (const auto& r : rates)
            if (r.from_s <= cuts[i] && cuts[i + 1] <= r.to_s) per_s += r.per_s;
        if (per_s <= 0) continue;
        const auto h = static_cast<std::int32_t>(std::max(1L, std::lround(1.0 / per_s)));
        if (to.size() > first && to.back() == cuts[i] && headway.back() == h) {
            to.back() = cuts[i + 1];
            continue;
        }
        from.push_back(cuts[i]);
        to.push_back(cuts[i + 1]);
        headway.push_back(h);
    }
}

}  // namespace

void import_gtfs(const std::filesystem::path& feed, const GtfsOptions& options, Network& net, GtfsReport& report) {
    const std::int32_t date = parse_service_date(options.service_date);
    const int weekday = weekday_of(date);
    if (!(options.max_stop_link_m > 0) || !std::isfinite(options.max_stop_link_m))
        throw InputError({}, "max_stop_link_m must be a positive distance in metres, got " +
                                 std::to_string(options.max_stop_link_m));
    GtfsReport rep;
    const FeedFiles files(feed);

    // agency.txt: counted; agency_id checked where routes name one.
    std::unordered_map<std::string, std::uint32_t> agency_index;
    {
        auto t = files.open("agency.txt");
        const auto c_name = t.required_column("agency_name");
        const auto c_id = t.column("agency_id");
        while (t.next()) {
            t.required_text(c_name);
            if (!t.text(c_id).empty() &&
                !agency_index.emplace(std::string(t.text(c_id)), static_cast<std::uint32_t>(rep.agencies)).second)
                t.fail(c_id, "duplicate agency_id '" + std::string(t.text(c_id)) + "'");
            ++rep.agencies;
        }
        if (rep.agencies == 0) throw InputError({files.label("agency.txt")}, "the feed names no agency");
    }

    // calendar.txt and calendar_dates.txt: which services run on the date.
    std::unordered_map<std::string, std::uint32_t> service_index;
    std::vector<char> service_runs;
    std::int32_t feed_first = std::numeric_limits<std::int32_t>::max();
    std::int32_t feed_last = std::numeric_limits<std::int32_t>::min();
    const bool has_calendar = files.has("calendar.txt");
    const bool has_dates = files.has("calendar_dates.txt");
    if (!has_calendar && !has_dates)
        throw InputError({feed.string()}, "missing calendar.txt and calendar_dates.txt",
                         "a feed needs at least one of them to say on which days its trips run");
    if (has_calendar) {
        auto t = files.open("calendar.txt");
        static constexpr const char* days[] = {"monday", "tuesday",  "wednesday", "thursday",
                                               "friday", "saturday", "sunday"};
        const auto c_service = t.required_column("service_id");
        std::size_t c_day[7];
        for (int d = 0; d < 7; ++d) c_day[d] = t.required_column(days[d]);
        const auto c_start = t.required_column("start_date");
        const auto c_end = t.required_column("end_date");
        while (t.next()) {
            const std::string id(t.required_text(c_service));
            if (!service_index.emplace(id, static_cast<std::uint32_t>(service_runs.size())).second)
                t.fail(c_service, "duplicate service_id '" + id + "'");
            bool on_day[7];
            for (int d = 0; d < 7; ++d) {
                const auto v = t.integer(c_day[d]);
                if (v != 0 && v != 1) t.fail(c_day[d], "must be 0 or 1, got " + std::to_string(v));
                on_day[d] = v == 1;
            }
            const auto start = t.date(c_start);
            const auto end = t.date(c_end);
            if (end < start)
                t.fail(c_end, "end_date " + std::to_string(end) + " is before start_date " + std::to_string(start));
            feed_first = std::min(feed_first, start);
            feed_last = std::max(feed_last, end);
            service_runs.push_back(on_day[weekday] && start <= date && date <= end);
        }
    }
    if (has_dates) {
        auto t = files.open("calendar_dates.txt");
        const auto c_service = t.required_column("service_id");
        const auto c_date = t.required_column("date");
        const auto c_type = t.required_column("exception_type");
        while (t.next()) {
            const std::string id(t.required_text(c_service));
            const auto [it, added] = service_index.emplace(id, static_cast<std::uint32_t>(service_runs.size()));
            if (added) service_runs.push_back(0);
            const auto d = t.date(c_date);
            const auto type = t.integer(c_type);
            if (type != 1 && type != 2)
                t.fail(c_type, "must be 1 (service added) or 2 (service removed), got " + std::to_string(type));
            feed_first = std::min(feed_first, d);
            feed_last = std::max(feed_last, d);
            if (d == date) service_runs[it->second] = type == 1;
        }
    }
    if (service_runs.empty() || date < feed_first || date > feed_last) {
        const std::string table = has_calendar ? "calendar" : "calendar_dates";
        const std::string covers = service_runs.empty()
                                       ? "has no services"
                                       : "covers " + std::to_string(feed_first) + "-" + std::to_string(feed_last);
        throw InputError({files.label(table + ".txt")},
                         "service date " + options.service_date + " is outside the feed (" + table + " " + covers + ")",
                         "choose a service date within the feed's calendar");
    }

    // routes.txt.
    std::unordered_map<std::string, std::uint32_t> route_index;
    std::vector<std::string> route_ids, route_names;
    std::vector<std::optional<Kind>> route_kind;
    std::size_t routes_unsupported = 0;
    {
        auto t = files.open("routes.txt");
        const auto c_id = t.required_column("route_id");
        const auto c_type = t.required_column("route_type");
        const auto c_short = t.column("route_short_name");
        const auto c_long = t.column("route_long_name");
        const auto c_agency = t.column("agency_id");
        while (t.next()) {
            const std::string id(t.required_text(c_id));
            if (!route_index.emplace(id, static_cast<std::uint32_t>(route_ids.size())).second)
                t.fail(c_id, "duplicate route_id '" + id + "'");
            if (!t.text(c_agency).empty() && !agency_index.empty()) ref(t, c_agency, agency_index, "agency");
            const auto kind = kind_of_route_type(t, c_type);
            if (!kind) ++routes_unsupported;
            route_kind.push_back(kind);
            route_ids.push_back(id);
            auto name = t.text(c_short);
            if (name.empty()) name = t.text(c_long);
            route_names.push_back(clean_name(name.empty() ? std::string_view(id) : name));
        }
        rep.routes = route_ids.size();
    }

    // trips.txt.
    std::unordered_map<std::string, std::uint32_t> trip_index;
    std::vector<std::string> trip_ids;
    std::vector<std::uint32_t> trip_route;
    std::vector<int> trip_direction;
    std::vector<char> trip_used;  // runs on the date, on a route of a kind we simulate
    {
        auto t = files.open("trips.txt");
        const auto c_route = t.required_column("route_id");
        const auto c_service = t.required_column("service_id");
        const auto c_id = t.required_column("trip_id");
        const auto c_direction = t.column("direction_id");
        while (t.next()) {
            const std::string id(t.required_text(c_id));
            if (!trip_index.emplace(id, static_cast<std::uint32_t>(trip_route.size())).second)
                t.fail(c_id, "duplicate trip_id '" + id + "'");
            const auto route = ref(t, c_route, route_index, "route");
            const auto service = ref(t, c_service, service_index, "service");
            int direction = 0;
            if (!t.text(c_direction).empty()) {
                const auto v = t.integer(c_direction);
                if (v != 0 && v != 1) t.fail(c_direction, "must be 0 or 1, got " + std::to_string(v));
                direction = static_cast<int>(v);
            }
            trip_ids.push_back(id);
            trip_route.push_back(route);
            trip_direction.push_back(direction);
            const bool runs = service_runs[service] != 0;
            if (runs) ++rep.trips_on_date;
            trip_used.push_back(runs && route_kind[route].has_value());
        }
    }

    // stops.txt.
    std::unordered_map<std::string, std::uint32_t> stop_index;
    std::vector<std::string> stop_ids, stop_names;
    std::vector<int> stop_type;
    std::vector<double> stop_lat, stop_lon;
    {
        auto t = files.open("stops.txt");
        const auto c_id = t.required_column("stop_id");
        const auto c_name = t.column("stop_name");
        const auto c_lat = t.required_column("stop_lat");
        const auto c_lon = t.required_column("stop_lon");
        const auto c_type = t.column("location_type");
        while (t.next()) {
            const std::string id(t.required_text(c_id));
            if (!stop_index.emplace(id, static_cast<std::uint32_t>(stop_ids.size())).second)
                t.fail(c_id, "duplicate stop_id '" + id + "'");
            int type = 0;
            if (!t.text(c_type).empty()) {
                const auto v = t.integer(c_type);
                if (v < 0 || v > 4) t.fail(c_type, "must be 0-4, got " + std::to_string(v));
                type = static_cast<int>(v);
            }
            double lat = 0, lon = 0;
            if (type <= 2) {  // stop, station, entrance: position required
                lat = t.number(c_lat);
                lon = t.number(c_lon);
                if (lat < -90 || lat > 90) t.fail(c_lat, "latitude must be in -90..90");
                if (lon < -180 || lon > 180) t.fail(c_lon, "longitude must be in -180..180");
            }
            stop_ids.push_back(id);
            stop_names.push_back(clean_name(t.text(c_name).empty() ? std::string_view(id) : t.text(c_name)));
            stop_type.push_back(type);
            stop_lat.push_back(lat);
            stop_lon.push_back(lon);
        }
    }

    // stop_times.txt: every row is checked, also those of trips not on the date.
    std::vector<StopTimeRow> rows;
    std::string stop_times_label;
    {
        auto t = files.open("stop_times.txt");
        stop_times_label = t.file();
        const auto c_trip = t.required_column("trip_id");
        const auto c_arrival = t.required_column("arrival_time");
        const auto c_departure = t.required_column("departure_time");
        const auto c_stop = t.required_column("stop_id");
        const auto c_sequence = t.required_column("stop_sequence");
        while (t.next()) {
            StopTimeRow r{};
            r.trip = ref(t, c_trip, trip_index, "trip");
            r.stop = ref(t, c_stop, stop_index, "stop");
            if (stop_type[r.stop] != 0)
                t.fail(c_stop, "stop '" + stop_ids[r.stop] + "' has location_type " +
                                   std::to_string(stop_type[r.stop]) + ": trips stop only at location_type 0");
            r.sequence = t.integer(c_sequence);
            if (r.sequence < 0) t.fail(c_sequence, "must be >= 0");
            r.arrival = t.text(c_arrival).empty() ? no_time : t.time(c_arrival);
            r.departure = t.text(c_departure).empty() ? no_time : t.time(c_departure);
            r.line = t.line();
            r.sequence_col = t.pos(c_sequence).column;
            r.arrival_col = t.pos(c_arrival).column;
            r.departure_col = t.pos(c_departure).column;
            rows.push_back(r);
        }
    }
    std::stable_sort(rows.begin(), rows.end(), [](const StopTimeRow& a, const StopTimeRow& b) {
        return std::tie(a.trip, a.sequence) < std::tie(b.trip, b.sequence);
    });
    // trip_first_row is CSR over trips into the sorted rows.
    std::vector<std::size_t> trip_first_row(trip_route.size() + 1, 0);
    for (const auto& r : rows) ++trip_first_row[r.trip + 1];
    for (std::size_t i = 0; i < trip_route.size(); ++i) trip_first_row[i + 1] += trip_first_row[i];

    // Times: given ones never go backwards; an empty one is the other time of the same row, or
    // (both empty) interpolated evenly between the timed stops around it (GTFS says by distance,
    // which the feed need not give). The first and last stop of a trip need a time.
    for (std::uint32_t trip = 0; trip < trip_route.size(); ++trip) {
        const auto b = trip_first_row[trip], e = trip_first_row[trip + 1];
        if (b == e) continue;
        const auto where = [&](const StopTimeRow& r, int col) { return SourcePos{stop_times_label, r.line, col}; };
        const auto trip_name = "trip '" + trip_ids[trip] + "'";
        std::int32_t last = no_time;  // the latest time given so far
        const StopTimeRow* last_row = nullptr;
        for (auto i = b; i < e; ++i) {
            auto& r = rows[i];
            if (i > b && r.sequence == rows[i - 1].sequence)
                throw InputError(where(r, r.sequence_col),
                                 "stop_sequence: " + std::to_string(r.sequence) + " appears twice in " + trip_name);
            if ((i == b || i + 1 == e) && r.arrival == no_time && r.departure == no_time)
                throw InputError(where(r, r.arrival_col), "arrival_time: the first and last stop of " + trip_name +
                                                              " need an arrival or departure time");
            if (r.arrival != no_time && last != no_time && r.arrival < last)
                throw InputError(where(r, r.arrival_col),
                                 "arrival_time: times go backwards in " + trip_name + ": arrives at " +
                                     core::format_clock(r.arrival) + " after leaving the stop of line " +
                                     std::to_string(last_row->line) + " at " + core::format_clock(last));
            if (r.arrival != no_time && r.departure != no_time && r.departure < r.arrival)
                throw InputError(where(r, r.departure_col), "departure_time: times go backwards in " + trip_name +
                                                                ": departs at " + core::format_clock(r.departure) +
                                                                " before it arrives at " +
                                                                core::format_clock(r.arrival));
            if (r.departure != no_time && last != no_time && r.departure < last)
                throw InputError(where(r, r.departure_col),
                                 "departure_time: times go backwards in " + trip_name + ": departs at " +
                                     core::format_clock(r.departure) + " after leaving the stop of line " +
                                     std::to_string(last_row->line) + " at " + core::format_clock(last));
            if (r.arrival == no_time) r.arrival = r.departure;
            if (r.departure == no_time) r.departure = r.arrival;
            if (r.departure != no_time) {
                last = r.departure;
                last_row = &r;
            }
        }
        for (auto i = b; i < e;) {
            if (rows[i].arrival != no_time) {
                ++i;
                continue;
            }
            auto j = i;
            while (rows[j].arrival == no_time) ++j;  // the last row has a time
            const std::int32_t t0 = rows[i - 1].departure, t1 = rows[j].arrival;
            const auto steps = static_cast<std::int64_t>(j - i + 1);
            for (auto k = i; k < j; ++k)
                rows[k].arrival = rows[k].departure = static_cast<std::int32_t>(
                    t0 + (static_cast<std::int64_t>(t1 - t0) * (k - i + 1) + steps / 2) / steps);
            i = j;
        }
    }

    // frequencies.txt.
    std::vector<std::vector<Frequency>> trip_frequencies(trip_route.size());
    if (auto t = files.open_optional("frequencies.txt")) {
        const auto c_trip = t->required_column("trip_id");
        const auto c_start = t->required_column("start_time");
        const auto c_end = t->required_column("end_time");
        const auto c_headway = t->required_column("headway_secs");
        const auto c_exact = t->column("exact_times");
        while (t->next()) {
            const auto trip = ref(*t, c_trip, trip_index, "trip");
            const auto start = t->time(c_start);
            const auto end = t->time(c_end);
            if (end <= start)
                t->fail(c_end, "end_time " + core::format_clock(end) + " is not after start_time " +
                                   core::format_clock(start));
            const auto headway = t->integer(c_headway);
            if (headway <= 0 || headway > 86400)
                t->fail(c_headway, "must be in 1..86400 s, got " + std::to_string(headway));
            if (!t->text(c_exact).empty()) {
                const auto v = t->integer(c_exact);
                if (v != 0 && v != 1) t->fail(c_exact, "must be 0 or 1, got " + std::to_string(v));
            }
            // exact_times 1: departures exactly every headway from start_time; 0: on average.
            // Both are the same interval and headway in our format.
            trip_frequencies[trip].push_back({start, end, static_cast<std::int32_t>(headway)});
        }
    }

    // transfers.txt: checked and counted only.
    if (auto t = files.open_optional("transfers.txt")) {
        const auto c_from = t->required_column("from_stop_id");
        const auto c_to = t->required_column("to_stop_id");
        const auto c_type = t->required_column("transfer_type");
        const auto c_time = t->column("min_transfer_time");
        while (t->next()) {
            std::int64_t type = 0;
            if (!t->text(c_type).empty()) type = t->integer(c_type);
            // 0-3 between stops; 4 and 5 are in-seat transfers between trips, where the stops may be empty.
            if (type < 0 || type > 5) t->fail(c_type, "must be 0-5, got " + std::to_string(type));
            for (const auto c : {c_from, c_to})
                if (type <= 3 || !t->text(c).empty()) ref(*t, c, stop_index, "stop");
            if (!t->text(c_time).empty() && t->integer(c_time) < 0) t->fail(c_time, "must be >= 0 s");
            ++rep.transfers;
        }
    }

    // Stops used by the day's trips, linked to the street network.
    std::vector<char> stop_used(stop_ids.size(), 0);
    for (std::uint32_t trip = 0; trip < trip_route.size(); ++trip)
        if (trip_used[trip])
            for (auto i = trip_first_row[trip]; i < trip_first_row[trip + 1]; ++i) stop_used[rows[i].stop] = 1;
    const WalkNodeGrid grid(net, options.max_stop_link_m);
    std::unordered_set<std::string> taken_stop_ids(net.stop_ids.begin(), net.stop_ids.end());
    std::vector<std::uint32_t> stop_new(stop_ids.size(), invalid_index);  // index in the network
    std::vector<std::string> new_stop_ids, new_stop_names;
    std::vector<std::uint32_t> new_stop_node;
    for (std::uint32_t s = 0; s < stop_ids.size(); ++s) {
        if (!stop_used[s]) continue;
        const auto [x, y] = net.to_x_y(stop_lat[s], stop_lon[s]);
        const auto node = grid.nearest_within(x, y);
        if (node == invalid_index) {
            ++rep.stops_unlinked;
            const double d = grid.distance_to_nearest(x, y);
            rep.notes.push_back("stop '" + stop_ids[s] + "' (" + stop_names[s] + ") is " +
                                (std::isfinite(d) ? std::to_string(std::lround(d)) + " m" : "infinitely far") +
                                " from the street network: left out");
            continue;
        }
        stop_new[s] = static_cast<std::uint32_t>(net.stop_count() + new_stop_ids.size());
        new_stop_ids.push_back(unique_id(stop_ids[s], taken_stop_ids));
        new_stop_names.push_back(stop_names[s]);
        new_stop_node.push_back(node);
    }

    // Groups of trips: (route, direction, kept stops). Consecutive visits of the same stop are
    // one visit (arrival of the first, departure of the last).
    std::map<std::tuple<std::uint32_t, int, std::vector<std::uint32_t>>, std::size_t> group_of;
    std::vector<Group> groups;
    std::size_t trips_too_short = 0, trips_without_times = 0;
    for (std::uint32_t trip = 0; trip < trip_route.size(); ++trip) {
        if (!trip_used[trip]) continue;
        const auto b = trip_first_row[trip], e = trip_first_row[trip + 1];
        if (b == e) {
            ++trips_without_times;
            continue;
        }
        std::vector<std::uint32_t> stops;
        std::vector<std::int32_t> arr, dep;
        for (auto i = b; i < e; ++i) {
            const auto s = stop_new[rows[i].stop];
            if (s == invalid_index) continue;
            if (!stops.empty() && stops.back() == s) {
                dep.back() = rows[i].departure;
                continue;
            }
            stops.push_back(s);
            arr.push_back(rows[i].arrival);
            dep.push_back(rows[i].departure);
        }
        if (stops.size() < 2) {
            ++trips_too_short;
            continue;
        }
        const auto key = std::make_tuple(trip_route[trip], trip_direction[trip], stops);
        const auto [it, added] = group_of.emplace(key, groups.size());
        if (added) groups.push_back(Group{trip_route[trip], trip_direction[trip], stops, {}, {}, {}});
        auto& g = groups[it->second];
        if (trip_frequencies[trip].empty()) {
            // One departure: counted per clock hour below.
            g.rates.push_back({dep[0] / 3600 * 3600, dep[0] / 3600 * 3600 + 3600, 1.0 / 3600.0});
            g.first_departure_s = std::min(g.first_departure_s, dep[0]);
        } else {
            // The trip's times are a pattern; frequencies give the departures from its first
            // stop, shifted here to the first kept stop.
            const std::int32_t offset = dep[0] - rows[b].departure;
            for (const auto& f : trip_frequencies[trip]) {
                g.rates.push_back({f.start_s + offset, f.end_s + offset, 1.0 / f.headway_s});
                g.first_departure_s = std::min(g.first_departure_s, f.start_s + offset);
            }
        }
        g.arrivals.push_back(std::move(arr));
        g.departures.push_back(std::move(dep));
    }

    // Lines in the order of routes.txt, direction, first departure (then stops, for ties).
    std::vector<std::size_t> order(groups.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto& ga = groups[a];
        const auto& gb = groups[b];
        return std::tie(ga.route, ga.direction, ga.first_departure_s, ga.stops) <
               std::tie(gb.route, gb.direction, gb.first_departure_s, gb.stops);
    });

    // Vehicle types of the kinds in use.
    std::unordered_set<std::string> taken_vehicle_ids(net.vehicle_ids.begin(), net.vehicle_ids.end());
    std::vector<std::uint32_t> kind_vehicle(static_cast<std::size_t>(Kind::count), invalid_index);
    std::vector<char> kind_used(static_cast<std::size_t>(Kind::count), 0);
    for (const auto& g : groups) kind_used[static_cast<std::size_t>(*route_kind[g.route])] = 1;
    std::vector<std::string> new_vehicle_ids;
    std::vector<std::size_t> new_vehicle_kind;
    for (std::size_t k = 0; k < kind_used.size(); ++k)
        if (kind_used[k]) {
            kind_vehicle[k] = static_cast<std::uint32_t>(net.vehicle_ids.size() + new_vehicle_ids.size());
            new_vehicle_ids.push_back(unique_id(std::string("gtfs_") + kind_info[k].id, taken_vehicle_ids));
            new_vehicle_kind.push_back(k);
        }

    // Everything is checked: from here on the network is extended.
    for (std::size_t i = 0; i < new_stop_ids.size(); ++i) {
        net.stop_ids.push_back(new_stop_ids[i]);
        net.stop_names.push_back(new_stop_names[i]);
        net.stop_node.push_back(new_stop_node[i]);
    }
    for (std::size_t i = 0; i < new_vehicle_ids.size(); ++i) {
        const auto& info = kind_info[new_vehicle_kind[i]];
        net.vehicle_ids.push_back(new_vehicle_ids[i]);
        net.vehicle_names.push_back(info.name);
        net.vehicle_seated.push_back(info.seated);
        net.vehicle_standing.push_back(info.standing);
    }
    if (net.line_first_stop.empty()) net.line_first_stop.push_back(0);
    if (net.line_first_headway.empty()) net.line_first_headway.push_back(0);
    std::unordered_set<std::string> taken_line_ids(net.line_ids.begin(), net.line_ids.end());
    std::size_t run_times_raised = 0;
    std::map<std::pair<std::uint32_t, int>, int> k_of;  // lines so far per route and direction
    for (const auto gi : order) {
        const auto& g = groups[gi];
        const auto kind = static_cast<std::size_t>(*route_kind[g.route]);
        const int k = ++k_of[{g.route, g.direction}];
        net.line_ids.push_back(unique_id(
            route_ids[g.route] + "_" + std::to_string(g.direction) + "_" + std::to_string(k), taken_line_ids));
        net.line_names.push_back(route_names[g.route]);
        net.line_mode.push_back(kind_info[kind].mode);
        net.line_vehicle.push_back(kind_vehicle[kind]);
        net.line_on_road.push_back(kind_info[kind].mode == LineMode::bus);  // the format's default
        net.line_both_ways.push_back(0);                                    // a GTFS direction is a line of its own
        const auto n = g.stops.size();
        for (std::size_t i = 0; i < n; ++i) {
            std::int32_t run = 0, dwell = 0;
            std::vector<std::int32_t> samples;
            if (i > 0) {
                for (std::size_t t = 0; t < g.arrivals.size(); ++t)
                    samples.push_back(g.arrivals[t][i] - g.departures[t][i - 1]);
                run = median(samples);
                if (run < 1) {
                    run = 1;
                    ++run_times_raised;
                }
            }
            if (i > 0 && i + 1 < n) {
                samples.clear();
                for (std::size_t t = 0; t < g.arrivals.size(); ++t)
                    samples.push_back(g.departures[t][i] - g.arrivals[t][i]);
                dwell = median(samples);
            }
            net.line_stop.push_back(g.stops[i]);
            net.line_run_time_s.push_back(run);
            net.line_dwell_s.push_back(dwell);
        }
        net.line_first_stop.push_back(static_cast<std::uint32_t>(net.line_stop.size()));
        rates_to_headways(g.rates, net.headway_from_s, net.headway_to_s, net.headway_s);
        net.line_first_headway.push_back(static_cast<std::uint32_t>(net.headway_s.size()));
    }
    rep.stops = new_stop_ids.size();
    rep.vehicles = new_vehicle_ids.size();
    rep.lines = groups.size();

    if (rep.transfers > 0)
        rep.notes.push_back("transfers.txt: " + std::to_string(rep.transfers) +
                            " transfers checked and not used (transfers are walks on the street network)");
    if (routes_unsupported > 0)
        rep.notes.push_back(std::to_string(routes_unsupported) +
                            " routes of a type we do not simulate (air, self drive) left out");
    if (trips_without_times > 0)
        rep.notes.push_back(std::to_string(trips_without_times) + " trips of the day have no stop times: left out");
    if (trips_too_short > 0)
        rep.notes.push_back(std::to_string(trips_too_short) +
                            " trips of the day have fewer than 2 stops on the street network: left out");
    if (run_times_raised > 0)
        rep.notes.push_back(std::to_string(run_times_raised) +
                            " run times of 0 s (stops in the same timetable minute) written as 1 s");
    if (!new_vehicle_ids.empty())
        rep.notes.push_back("vehicle capacities are defaults per kind of vehicle (GTFS gives none)");
    report = std::move(rep);
}

}  // namespace flemsim::network::import
