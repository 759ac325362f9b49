#include "sim/network/import/gtfs_import.hpp"

#include <zip.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
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

    // An optional table that is empty (not even a header), as some publishers ship
    // frequencies.txt, is taken as absent.
    std::optional<GtfsTable> open_optional(const std::string& name) const {
        if (!has(name)) return std::nullopt;
        auto text = read(name);
        if (text.find_first_not_of(" \t\r\n", text.starts_with("\xEF\xBB\xBF") ? 3 : 0) == std::string::npos)
            return std::nullopt;
        return GtfsTable(label(name), std::move(text));
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

// The day before a date YYYYMMDD (H. Hinnant's civil_from_days), for the previous service day's
// trips that run past midnight.
std::int32_t day_before(std::int32_t yyyymmdd) {
    const auto z0 = days_from_civil(yyyymmdd / 10000, static_cast<unsigned>(yyyymmdd / 100 % 100),
                                    static_cast<unsigned>(yyyymmdd % 100)) -
                    1 + 719468;
    const std::int64_t era = (z0 >= 0 ? z0 : z0 - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z0 - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
    return static_cast<std::int32_t>(y * 10000 + m * 100 + d);
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
    double shape_dist;       // shape_dist_traveled; NaN when empty
    int line;
    int sequence_col, arrival_col, departure_col;
};

// A row of transfers.txt between stops (location_type 0, or a station for all its stops),
// optionally only from or to a route (invalid_index: any).
struct TransferRow {
    std::uint32_t from_stop, to_stop, from_route, to_route;
    std::uint8_t type;
    std::int32_t min_s;
};

struct Frequency {
    std::int32_t start_s, end_s, headway_s;
};

// Departure rate over [from_s, to_s), in departures per second.
struct RateInterval {
    std::int32_t from_s, to_s;
    double per_s;
};

// Straight-line distance in metres between two WGS84 points (equirectangular: exact enough
// between neighbouring stops, and proportional to longitude along a parallel).
double straight_m(double lat1, double lon1, double lat2, double lon2) {
    constexpr double m_per_deg = 111195.0;  // 6371 km * pi / 180
    const double x = (lon2 - lon1) * std::cos((lat1 + lat2) / 2 * 3.14159265358979323846 / 180.0);
    return m_per_deg * std::hypot(x, lat2 - lat1);
}

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
    // The previous service day: its trips that run past midnight are still on the road.
    const std::int32_t prev_date = day_before(date);
    const int prev_weekday = (weekday + 6) % 7;
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
            // Published feeds repeat an agency now and then; routes name it by id, so the first
            // row serves, and the repetition is reported.
            if (!t.text(c_id).empty() &&
                !agency_index.emplace(std::string(t.text(c_id)), static_cast<std::uint32_t>(rep.agencies)).second) {
                const auto p = t.pos(c_id);
                rep.notes.push_back(p.file + ":" + std::to_string(p.line) + ": duplicate agency_id '" +
                                    std::string(t.text(c_id)) + "': the first one kept");
                continue;
            }
            ++rep.agencies;
        }
        if (rep.agencies == 0) throw InputError({files.label("agency.txt")}, "the feed names no agency");
    }

    // calendar.txt and calendar_dates.txt: which services run on the date.
    std::unordered_map<std::string, std::uint32_t> service_index;
    std::vector<char> service_runs, service_runs_prev;  // on the date, on the day before
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
            service_runs_prev.push_back(on_day[prev_weekday] && start <= prev_date && prev_date <= end);
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
            if (added) {
                service_runs.push_back(0);
                service_runs_prev.push_back(0);
            }
            const auto d = t.date(c_date);
            const auto type = t.integer(c_type);
            if (type != 1 && type != 2)
                t.fail(c_type, "must be 1 (service added) or 2 (service removed), got " + std::to_string(type));
            feed_first = std::min(feed_first, d);
            feed_last = std::max(feed_last, d);
            if (d == date) service_runs[it->second] = type == 1;
            if (d == prev_date) service_runs_prev[it->second] = type == 1;
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
    std::vector<char> trip_used;       // runs on the date, on a route of a kind we simulate
    std::vector<char> trip_used_prev;  // the same on the day before
    std::vector<std::string> trip_block;
    {
        auto t = files.open("trips.txt");
        const auto c_route = t.required_column("route_id");
        const auto c_service = t.required_column("service_id");
        const auto c_id = t.required_column("trip_id");
        const auto c_direction = t.column("direction_id");
        const auto c_block = t.column("block_id");
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
            trip_used_prev.push_back(service_runs_prev[service] && route_kind[route].has_value());
            trip_block.emplace_back(t.text(c_block));
        }
    }

    // stops.txt.
    std::unordered_map<std::string, std::uint32_t> stop_index;
    std::vector<std::string> stop_ids, stop_names;
    std::vector<int> stop_type;
    std::vector<double> stop_lat, stop_lon;
    std::vector<std::string> stop_parent;  // parent_station ("" when none), for transfers at stations
    {
        auto t = files.open("stops.txt");
        const auto c_id = t.required_column("stop_id");
        const auto c_name = t.column("stop_name");
        const auto c_lat = t.required_column("stop_lat");
        const auto c_lon = t.required_column("stop_lon");
        const auto c_type = t.column("location_type");
        const auto c_parent = t.column("parent_station");
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
            stop_parent.emplace_back(t.text(c_parent));
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
        const auto c_dist = t.column("shape_dist_traveled");
        while (t.next()) {
            StopTimeRow r{};
            r.shape_dist = std::numeric_limits<double>::quiet_NaN();
            if (!t.text(c_dist).empty()) {
                r.shape_dist = t.number(c_dist);
                if (r.shape_dist < 0) t.fail(c_dist, "must be >= 0");
            }
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
    // (both empty) interpolated between the timed stops around it by distance, as GTFS says:
    // along the shape where the feed gives shape_dist_traveled, else along straight lines
    // between the stops. The first and last stop of a trip need a time.
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
            // Distance along the trip from the timed stop before the gap: shape_dist_traveled
            // where every row of the gap and both timed ends have it (and it does not go back),
            // else straight lines between consecutive stops.
            std::vector<double> along(j - i + 2, 0.0);
            bool by_shape = true;
            for (auto k = i - 1; k <= j; ++k) by_shape = by_shape && !std::isnan(rows[k].shape_dist);
            for (auto k = i; k <= j && by_shape; ++k) by_shape = rows[k].shape_dist >= rows[k - 1].shape_dist;
            for (auto k = i; k <= j; ++k)
                along[k - i + 1] =
                    by_shape ? rows[k].shape_dist - rows[i - 1].shape_dist
                             : along[k - i] + straight_m(stop_lat[rows[k - 1].stop], stop_lon[rows[k - 1].stop],
                                                         stop_lat[rows[k].stop], stop_lon[rows[k].stop]);
            const std::int32_t t0 = rows[i - 1].departure, t1 = rows[j].arrival;
            const double total = along.back();
            const auto steps = static_cast<double>(j - i + 1);
            for (auto k = i; k < j; ++k) {
                // Stops all at one place: evenly by stop count instead.
                const double share = total > 0 ? along[k - i + 1] / total : static_cast<double>(k - i + 1) / steps;
                rows[k].arrival = rows[k].departure =
                    t0 + static_cast<std::int32_t>(std::floor((t1 - t0) * share + 0.5));
            }
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

    // transfers.txt: checked in full here, turned into rules once the lines are known.
    std::vector<TransferRow> transfers;
    std::size_t transfers_of_trips = 0, transfers_in_seat = 0, transfers_without_time = 0;
    if (auto t = files.open_optional("transfers.txt")) {
        const auto c_from = t->required_column("from_stop_id");
        const auto c_to = t->required_column("to_stop_id");
        const auto c_type = t->required_column("transfer_type");
        const auto c_time = t->column("min_transfer_time");
        const auto c_from_route = t->column("from_route_id");
        const auto c_to_route = t->column("to_route_id");
        const auto c_from_trip = t->column("from_trip_id");
        const auto c_to_trip = t->column("to_trip_id");
        while (t->next()) {
            std::int64_t type = 0;
            if (!t->text(c_type).empty()) type = t->integer(c_type);
            // 0-3 between stops; 4 and 5 are in-seat transfers between trips, where the stops may be empty.
            if (type < 0 || type > 5) t->fail(c_type, "must be 0-5, got " + std::to_string(type));
            TransferRow row{
                invalid_index, invalid_index, invalid_index, invalid_index, static_cast<std::uint8_t>(type), 0};
            if (type <= 3 || !t->text(c_from).empty()) row.from_stop = ref(*t, c_from, stop_index, "stop");
            if (type <= 3 || !t->text(c_to).empty()) row.to_stop = ref(*t, c_to, stop_index, "stop");
            if (!t->text(c_from_route).empty()) row.from_route = ref(*t, c_from_route, route_index, "route");
            if (!t->text(c_to_route).empty()) row.to_route = ref(*t, c_to_route, route_index, "route");
            for (const auto c : {c_from_trip, c_to_trip})
                if (!t->text(c).empty()) ref(*t, c, trip_index, "trip");
            if (!t->text(c_time).empty()) {
                const auto v = t->integer(c_time);
                if (v < 0 || v > 86400) t->fail(c_time, "must be 0..86400 s, got " + std::to_string(v));
                row.min_s = static_cast<std::int32_t>(v);
            } else if (type == 2) {
                ++transfers_without_time;  // a minimum time of 0 s, as the rule gives none
            }
            ++rep.transfers;
            // Our rules name stops and lines; a rule between two trips has no such form.
            if (!t->text(c_from_trip).empty() || !t->text(c_to_trip).empty()) {
                ++transfers_of_trips;
                continue;
            }
            if (type > 3) {
                ++transfers_in_seat;
                continue;
            }
            transfers.push_back(row);
        }
    }

    // Instances: every trip of the date, and every trip of the day before that is still running
    // after midnight; a trip with frequencies is a template with one instance per departure
    // from its first stop. Times count from midnight of the service date (the day before's
    // are 86400 s earlier, so negative before midnight).
    struct Instance {
        std::uint32_t trip;
        std::int32_t start;  // departure from the trip's first stop, on its own day's clock
        std::int32_t freq;   // the frequencies.txt entry of the date it was expanded from; -1 when none
        bool expanded;       // from frequencies.txt (either day)
        bool prev;           // of the day before
    };
    std::vector<Frequency> freq_rows;
    std::vector<std::size_t> freq_first(trip_route.size() + 1, 0);  // CSR over trips into freq_rows
    for (std::uint32_t trip = 0; trip < trip_route.size(); ++trip) {
        freq_rows.insert(freq_rows.end(), trip_frequencies[trip].begin(), trip_frequencies[trip].end());
        freq_first[trip + 1] = freq_rows.size();
    }
    std::vector<Instance> instances;
    std::size_t trips_without_times = 0;
    for (std::uint32_t trip = 0; trip < trip_route.size(); ++trip) {
        if (!trip_used[trip] && !trip_used_prev[trip]) continue;
        const auto b = trip_first_row[trip], e = trip_first_row[trip + 1];
        if (b == e) {
            if (trip_used[trip]) ++trips_without_times;
            continue;
        }
        const std::int32_t first = rows[b].departure, length = rows[e - 1].arrival - rows[b].departure;
        for (const bool prev : {true, false}) {
            if (!(prev ? trip_used_prev[trip] : trip_used[trip])) continue;
            const std::int32_t shift = prev ? -86400 : 0;
            if (freq_first[trip] == freq_first[trip + 1]) {
                if (!prev || first + length + shift >= 0) instances.push_back({trip, first, -1, false, prev});
                continue;
            }
            for (auto f = freq_first[trip]; f < freq_first[trip + 1]; ++f)
                for (std::int32_t st = freq_rows[f].start_s; st < freq_rows[f].end_s; st += freq_rows[f].headway_s)
                    if (!prev || st + length + shift >= 0)
                        instances.push_back({trip, st, prev ? -1 : static_cast<std::int32_t>(f), true, prev});
        }
    }

    // Stops used by those trips, linked to the street network.
    std::vector<char> stop_used(stop_ids.size(), 0);
    for (const auto& in : instances)
        for (auto i = trip_first_row[in.trip]; i < trip_first_row[in.trip + 1]; ++i) stop_used[rows[i].stop] = 1;
    const WalkNodeGrid grid(net, options.max_stop_link_m);
    // Each used stop's place and the walk node that reaches it (invalid_index: none within
    // max_stop_link_m), found once.
    std::vector<std::pair<double, double>> stop_xy(stop_ids.size());
    std::vector<std::uint32_t> street_node(stop_ids.size(), invalid_index);
    for (std::uint32_t s = 0; s < stop_ids.size(); ++s)
        if (stop_used[s]) {
            stop_xy[s] = net.to_x_y(stop_lat[s], stop_lon[s]);
            street_node[s] = grid.nearest_within(stop_xy[s].first, stop_xy[s].second);
        }
    const auto on_streets = [&](std::uint32_t s) { return street_node[s] != invalid_index; };
    // Gateway stations (options.gateway_stations): a rail, metro or monorail station off the
    // streets next to one on them along a trip of the day (the first station beyond the area's
    // edge) stays, on a node of its own, so that its trains carry riders in and out; its size is
    // the places of the trains leaving it into the area in their busiest hour.
    std::vector<char> gateway_station(stop_ids.size(), 0);
    std::vector<std::array<double, 48>> gateway_places(stop_ids.size());
    if (options.gateway_stations) {
        for (const auto& in : instances) {
            const auto kind = route_kind[trip_route[in.trip]];
            if (!kind || (*kind != Kind::rail && *kind != Kind::metro && *kind != Kind::monorail)) continue;
            const auto b = trip_first_row[in.trip], e = trip_first_row[in.trip + 1];
            for (auto i = b; i < e; ++i) {
                const auto st = rows[i].stop;
                if (on_streets(st)) continue;
                const bool into = i + 1 < e && on_streets(rows[i + 1].stop);
                const bool from = i > b && on_streets(rows[i - 1].stop);
                if (!into && !from) continue;
                gateway_station[st] = 1;
                if (into) {
                    const auto& info = kind_info[static_cast<std::size_t>(*kind)];
                    const std::int64_t t = rows[i].departure - rows[b].departure + in.start + (in.prev ? -86400 : 0);
                    const auto hour = static_cast<std::size_t>(std::clamp<std::int64_t>(t / 3600, 0, 47));
                    gateway_places[st][hour] += info.seated + info.standing;
                }
            }
        }
    }
    std::unordered_set<std::string> taken_stop_ids(net.stop_ids.begin(), net.stop_ids.end());
    std::vector<std::uint32_t> stop_new(stop_ids.size(), invalid_index);  // index in the network
    std::vector<std::string> new_stop_ids, new_stop_names;
    std::vector<std::uint32_t> new_stop_node;
    for (std::uint32_t s = 0; s < stop_ids.size(); ++s) {
        if (!stop_used[s]) continue;
        const auto [x, y] = stop_xy[s];
        auto node = street_node[s];
        if (node == invalid_index && gateway_station[s]) {
            // Its own node, appended with the network's extension below (station, then its
            // gateway's centroid, joined by a 1 m walk link).
            node = static_cast<std::uint32_t>(net.node_count() + 2 * rep.gateway_stations.size());
            GtfsReport::GatewayStation g;
            g.stop = stop_ids[s];
            g.name = stop_names[s];
            g.x_m = x;
            g.y_m = y;
            g.places_per_h = *std::max_element(gateway_places[s].begin(), gateway_places[s].end());
            rep.gateway_stations.push_back(std::move(g));
        } else if (node == invalid_index) {
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

    // Each trip's kept stops, with its times there relative to the departure from its first
    // stop (GTFS: a frequency's start_time is that departure). Consecutive visits of the same
    // stop are one visit (arrival of the first, departure of the last).
    std::vector<std::size_t> kept_first(trip_route.size() + 1, 0);  // CSR over trips
    std::vector<std::uint32_t> kept_stop;
    std::vector<std::int32_t> kept_arr, kept_dep;
    {
        std::vector<char> needed(trip_route.size(), 0);
        for (const auto& in : instances) needed[in.trip] = 1;
        for (std::uint32_t trip = 0; trip < trip_route.size(); ++trip) {
            const auto b = trip_first_row[trip], e = trip_first_row[trip + 1];
            const auto begin = kept_stop.size();
            for (auto i = b; i < e && needed[trip]; ++i) {
                const auto s = stop_new[rows[i].stop];
                if (s == invalid_index) continue;
                if (kept_stop.size() > begin && kept_stop.back() == s) {
                    kept_dep.back() = rows[i].departure - rows[b].departure;
                    continue;
                }
                kept_stop.push_back(s);
                kept_arr.push_back(rows[i].arrival - rows[b].departure);
                kept_dep.push_back(rows[i].departure - rows[b].departure);
            }
            if (kept_stop.size() - begin < 2) {  // a trip needs two stops on the streets
                kept_stop.resize(begin);
                kept_arr.resize(begin);
                kept_dep.resize(begin);
            }
            kept_first[trip + 1] = kept_stop.size();
        }
    }
    std::size_t trips_too_short = 0;
    for (std::uint32_t trip = 0; trip < trip_route.size(); ++trip)
        if (trip_used[trip] && trip_first_row[trip] < trip_first_row[trip + 1] &&
            kept_first[trip] == kept_first[trip + 1])
            ++trips_too_short;
    // The times of an instance at its k-th kept stop.
    const auto shift_of = [](const Instance& in) { return in.start + (in.prev ? -86400 : 0); };
    const auto arr_of = [&](const Instance& in, std::size_t k) {
        return kept_arr[kept_first[in.trip] + k] + shift_of(in);
    };
    const auto dep_of = [&](const Instance& in, std::size_t k) {
        return kept_dep[kept_first[in.trip] + k] + shift_of(in);
    };
    const auto stops_of = [&](std::uint32_t trip) { return kept_first[trip + 1] - kept_first[trip]; };

    // Lines: the instances of one route, direction and sequence of kept stops, split further so
    // that no trip of a line overtakes another at any stop (a router scans a line's trips in
    // order of departure and needs them in that order everywhere). In order of their times,
    // each trip joins the first part whose last trip it does not overtake, else a new part.
    std::map<std::tuple<std::uint32_t, int, std::vector<std::uint32_t>>, std::size_t> group_of;
    std::vector<std::vector<std::uint32_t>> group_instances;
    std::vector<std::uint32_t> group_trip;  // a trip of the group, for its route, direction and stops
    for (std::uint32_t i = 0; i < instances.size(); ++i) {
        const auto trip = instances[i].trip;
        if (stops_of(trip) == 0) continue;
        std::vector<std::uint32_t> stops(kept_stop.begin() + static_cast<std::ptrdiff_t>(kept_first[trip]),
                                         kept_stop.begin() + static_cast<std::ptrdiff_t>(kept_first[trip + 1]));
        const auto [it, added] = group_of.emplace(
            std::make_tuple(trip_route[trip], trip_direction[trip], std::move(stops)), group_instances.size());
        if (added) {
            group_instances.emplace_back();
            group_trip.push_back(trip);
        }
        group_instances[it->second].push_back(i);
    }
    const auto earlier = [&](std::uint32_t a, std::uint32_t b) {
        const auto& ia = instances[a];
        const auto& ib = instances[b];
        for (std::size_t k = 0; k < stops_of(ia.trip); ++k) {
            if (dep_of(ia, k) != dep_of(ib, k)) return dep_of(ia, k) < dep_of(ib, k);
            if (arr_of(ia, k) != arr_of(ib, k)) return arr_of(ia, k) < arr_of(ib, k);
        }
        return a < b;
    };
    const auto not_before = [&](std::uint32_t later, std::uint32_t before) {
        for (std::size_t k = 0; k < stops_of(instances[later].trip); ++k)
            if (arr_of(instances[later], k) < arr_of(instances[before], k) ||
                dep_of(instances[later], k) < dep_of(instances[before], k))
                return false;
        return true;
    };
    struct Part {
        std::size_t group, index;
        std::vector<std::uint32_t> instances;  // in order of departure
    };
    std::vector<Part> parts;
    for (std::size_t g = 0; g < group_instances.size(); ++g) {
        auto& v = group_instances[g];
        std::sort(v.begin(), v.end(), earlier);
        const auto first_part = parts.size();
        for (const auto i : v) {
            auto p = first_part;
            while (p < parts.size() && !not_before(i, parts[p].instances.back())) ++p;
            if (p == parts.size()) parts.push_back({g, p - first_part, {}});
            parts[p].instances.push_back(i);
        }
    }
    // In the order of routes.txt, direction, first departure (then stops, for ties).
    std::vector<std::size_t> order(parts.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::vector<const std::vector<std::uint32_t>*> group_stops(group_instances.size());
    for (const auto& [key, g] : group_of) group_stops[g] = &std::get<2>(key);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto& pa = parts[a];
        const auto& pb = parts[b];
        const auto ta = group_trip[pa.group], tb = group_trip[pb.group];
        return std::make_tuple(trip_route[ta], trip_direction[ta], dep_of(instances[pa.instances[0]], 0),
                               *group_stops[pa.group], pa.group, pa.index) <
               std::make_tuple(trip_route[tb], trip_direction[tb], dep_of(instances[pb.instances[0]], 0),
                               *group_stops[pb.group], pb.group, pb.index);
    });

    // Vehicle types of the kinds in use.
    std::unordered_set<std::string> taken_vehicle_ids(net.vehicle_ids.begin(), net.vehicle_ids.end());
    std::vector<std::uint32_t> kind_vehicle(static_cast<std::size_t>(Kind::count), invalid_index);
    std::vector<char> kind_used(static_cast<std::size_t>(Kind::count), 0);
    for (const auto t : group_trip) kind_used[static_cast<std::size_t>(*route_kind[trip_route[t]])] = 1;
    std::vector<std::string> new_vehicle_ids;
    std::vector<std::size_t> new_vehicle_kind;
    for (std::size_t k = 0; k < kind_used.size(); ++k)
        if (kind_used[k]) {
            kind_vehicle[k] = static_cast<std::uint32_t>(net.vehicle_ids.size() + new_vehicle_ids.size());
            new_vehicle_ids.push_back(unique_id(std::string("gtfs_") + kind_info[k].id, taken_vehicle_ids));
            new_vehicle_kind.push_back(k);
        }

    // Everything is checked: from here on the network is extended. Gateway stations first: each
    // a node `gw_<stop>` for the station and `gw_<stop>_c` for its gateway's centroid, 1 m apart,
    // joined by a walk link (a stop's node needs a link; the centroid reaches the stop on foot).
    {
        std::unordered_set<std::string> taken_nodes(net.node_ids.begin(), net.node_ids.end());
        for (auto& g : rep.gateway_stations) {
            const std::string id = unique_id("gw_" + g.stop, taken_nodes);
            const double x = std::round(g.x_m * 10) / 10, y = std::round(g.y_m * 10) / 10;
            g.station_node = net.add_node(id, x, y);
            g.centroid_node = net.add_node(id + "_c", x + 1.0, y);
            g.id = id;
            net.add_link(
                {"c_" + id, g.centroid_node, g.station_node, 1.0, "connector", walk_bit, false, 0, 0, 0, g.name});
        }
    }
    for (std::size_t i = 0; i < new_stop_ids.size(); ++i) {
        net.stop_ids.push_back(new_stop_ids[i]);
        net.stop_names.push_back(new_stop_names[i]);
        net.stop_node.push_back(new_stop_node[i]);
    }
    // Parking is not in GTFS; the columns stay one entry per stop.
    net.stop_bike_parking.resize(net.stop_count(), 0);
    net.stop_car_parking.resize(net.stop_count(), 0);
    for (std::size_t i = 0; i < new_vehicle_ids.size(); ++i) {
        const auto& info = kind_info[new_vehicle_kind[i]];
        net.vehicle_ids.push_back(new_vehicle_ids[i]);
        net.vehicle_names.push_back(info.name);
        net.vehicle_seated.push_back(info.seated);
        net.vehicle_standing.push_back(info.standing);
    }
    if (net.line_first_stop.empty()) net.line_first_stop.push_back(0);
    if (net.line_first_headway.empty()) net.line_first_headway.push_back(0);
    if (net.trip_first_time.empty()) net.trip_first_time.push_back(0);
    std::unordered_set<std::string> taken_line_ids(net.line_ids.begin(), net.line_ids.end());
    std::unordered_set<std::string> taken_trip_ids(net.trip_ids.begin(), net.trip_ids.end());
    // Expansions of one frequencies.txt entry over all lines, so that a line holding only some
    // of them counts only its share of the entry's departures.
    std::vector<std::size_t> freq_total(freq_rows.size(), 0);
    for (const auto& in : instances)
        if (in.freq >= 0 && stops_of(in.trip) > 0) ++freq_total[static_cast<std::size_t>(in.freq)];
    std::vector<std::vector<std::uint32_t>> route_lines(route_ids.size());  // network lines of each route
    std::size_t run_times_raised = 0;
    std::map<std::pair<std::uint32_t, int>, int> k_of;  // lines so far per route and direction
    for (const auto pi : order) {
        const auto& part = parts[pi];
        const auto trip0 = group_trip[part.group];
        const auto route = trip_route[trip0];
        const auto direction = trip_direction[trip0];
        const auto kind = static_cast<std::size_t>(*route_kind[route]);
        const int k = ++k_of[{route, direction}];
        const auto line = static_cast<std::uint32_t>(net.line_ids.size());
        route_lines[route].push_back(line);
        net.line_ids.push_back(
            unique_id(route_ids[route] + "_" + std::to_string(direction) + "_" + std::to_string(k), taken_line_ids));
        net.line_names.push_back(route_names[route]);
        net.line_mode.push_back(kind_info[kind].mode);
        net.line_vehicle.push_back(kind_vehicle[kind]);
        net.line_on_road.push_back(kind_info[kind].mode == LineMode::bus);  // the format's default
        net.line_both_ways.push_back(0);                                    // a GTFS direction is a line of its own
        const auto& stops = *group_stops[part.group];
        const auto n = stops.size();
        std::vector<std::int32_t> samples;
        for (std::size_t i = 0; i < n; ++i) {
            std::int32_t run = 0, dwell = 0;
            if (i > 0) {
                samples.clear();
                for (const auto in : part.instances)
                    samples.push_back(arr_of(instances[in], i) - dep_of(instances[in], i - 1));
                run = median(samples);
                if (run < 1) {
                    run = 1;
                    ++run_times_raised;
                }
            }
            if (i > 0 && i + 1 < n) {
                samples.clear();
                for (const auto in : part.instances)
                    samples.push_back(dep_of(instances[in], i) - arr_of(instances[in], i));
                dwell = median(samples);
            }
            net.line_stop.push_back(stops[i]);
            net.line_run_time_s.push_back(run);
            net.line_dwell_s.push_back(dwell);
        }
        net.line_first_stop.push_back(static_cast<std::uint32_t>(net.line_stop.size()));

        // Headways as a summary of the trips: an expanded frequencies.txt entry as its interval
        // (shifted to the line's first stop), any other trip per clock hour of its departure
        // (the day before's in hour 0, when they are still running).
        std::vector<RateInterval> rates;
        std::map<std::int32_t, std::size_t> freq_count;
        for (const auto ii : part.instances) {
            const auto& in = instances[ii];
            if (in.freq >= 0) {
                ++freq_count[in.freq];
                continue;
            }
            const auto hour = std::max(0, dep_of(in, 0)) / 3600 * 3600;
            rates.push_back({hour, hour + 3600, 1.0 / 3600.0});
        }
        for (const auto& [f, count] : freq_count) {
            const auto& fr = freq_rows[static_cast<std::size_t>(f)];
            const std::int32_t offset = kept_dep[kept_first[instances[part.instances[0]].trip]];
            const double share =
                static_cast<double>(count) / static_cast<double>(freq_total[static_cast<std::size_t>(f)]);
            rates.push_back({fr.start_s + offset, fr.end_s + offset, share / fr.headway_s});
        }
        rates_to_headways(rates, net.headway_from_s, net.headway_to_s, net.headway_s);
        net.line_first_headway.push_back(static_cast<std::uint32_t>(net.headway_s.size()));

        // The trips, in order of departure.
        for (const auto ii : part.instances) {
            const auto& in = instances[ii];
            std::string id = trip_ids[in.trip];
            if (in.expanded) id += "_" + core::format_clock(in.start).erase(5, 1).erase(2, 1);
            if (in.prev) id += "_prev";
            net.trip_ids.push_back(unique_id(id, taken_trip_ids));
            net.trip_line.push_back(line);
            net.trip_direction.push_back(0);
            // A block is one vehicle's run through one service day; an expanded trip has none.
            std::string block;
            if (!in.expanded && !trip_block[in.trip].empty()) {
                std::unordered_set<std::string> fresh;
                block = unique_id(trip_block[in.trip], fresh) + (in.prev ? "_prev" : "");
            }
            net.trip_block.push_back(block);
            for (std::size_t k = 0; k < n; ++k) {
                net.trip_arrive_s.push_back(arr_of(in, k));
                net.trip_depart_s.push_back(dep_of(in, k));
            }
            net.trip_first_time.push_back(static_cast<std::uint32_t>(net.trip_arrive_s.size()));
            ++rep.trips;
            if (in.prev) ++rep.trips_previous_day;
            if (in.expanded) ++rep.trips_from_frequencies;
        }
    }

    // Transfer rules: a stop stands for itself, a station for its stops in the network; a route
    // for each of its lines, one rule per combination. The first rule of a combination holds.
    std::unordered_map<std::string, std::vector<std::uint32_t>> station_stops;
    for (std::uint32_t s = 0; s < stop_ids.size(); ++s)
        if (stop_type[s] == 0 && !stop_parent[s].empty() && stop_new[s] != invalid_index)
            station_stops[stop_parent[s]].push_back(stop_new[s]);
    const auto network_stops = [&](std::uint32_t s) {
        if (stop_type[s] == 0)
            return stop_new[s] == invalid_index ? std::vector<std::uint32_t>{} : std::vector{stop_new[s]};
        const auto it = station_stops.find(stop_ids[s]);
        return it == station_stops.end() ? std::vector<std::uint32_t>{} : it->second;
    };
    const auto lines_of = [&](std::uint32_t route) {
        return route == invalid_index ? std::vector<std::uint32_t>{invalid_index} : route_lines[route];
    };
    std::size_t rules_no_stop = 0, rules_no_line = 0, rules_repeated = 0;
    std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>> ruled;
    for (std::uint32_t i = 0; i < net.rule_count(); ++i)
        ruled.emplace(net.rule_from_stop[i], net.rule_to_stop[i], net.rule_from_line[i], net.rule_to_line[i]);
    for (const auto& t : transfers) {
        const auto from = network_stops(t.from_stop), to = network_stops(t.to_stop);
        if (from.empty() || to.empty()) {
            ++rules_no_stop;
            continue;
        }
        const auto from_lines = lines_of(t.from_route), to_lines = lines_of(t.to_route);
        if (from_lines.empty() || to_lines.empty()) {
            ++rules_no_line;
            continue;
        }
        for (const auto fs : from)
            for (const auto ts : to)
                for (const auto fl : from_lines)
                    for (const auto tl : to_lines) {
                        if (!ruled.emplace(fs, ts, fl, tl).second) {
                            ++rules_repeated;
                            continue;
                        }
                        net.rule_from_stop.push_back(fs);
                        net.rule_to_stop.push_back(ts);
                        net.rule_from_line.push_back(fl);
                        net.rule_to_line.push_back(tl);
                        net.rule_type.push_back(t.type);
                        net.rule_min_s.push_back(t.type == static_cast<std::uint8_t>(TransferType::minimum) ? t.min_s
                                                                                                            : 0);
                        ++rep.rules;
                    }
    }
    rep.rules_dropped = rules_no_stop + rules_no_line;

    rep.stops = new_stop_ids.size();
    rep.vehicles = new_vehicle_ids.size();
    rep.lines = parts.size();
    rep.lines_split = parts.size() - group_instances.size();

    if (rep.transfers > 0)
        rep.notes.push_back("transfers.txt: " + std::to_string(rep.transfers) + " rows, " + std::to_string(rep.rules) +
                            " transfer rules in the network");
    // A note about transfers.txt rows, when there are any of the kind.
    const auto transfer_note = [&](std::size_t rows, const char* what) {
        if (rows > 0) rep.notes.push_back("transfers.txt: " + std::to_string(rows) + what);
    };
    transfer_note(rules_no_stop,
                  " rows between stops that are not in the network (left out or without trips): dropped");
    transfer_note(rules_no_line, " rows for a route without trips on the date: dropped");
    transfer_note(transfers_of_trips,
                  " rows between trips (from_trip_id, to_trip_id) ignored: the network's rules name stops and lines");
    transfer_note(transfers_in_seat,
                  " in-seat rows (transfer_type 4, 5) ignored: blocks say which trips one vehicle runs");
    transfer_note(transfers_without_time, " rows of transfer_type 2 without min_transfer_time taken as 0 s");
    transfer_note(rules_repeated, " rules repeating one for the same stops and lines: the first kept");
    if (rep.lines_split > 0)
        rep.notes.push_back(std::to_string(rep.lines_split) +
                            " lines added where a trip overtakes another of the same stop pattern (a line's trips "
                            "keep their order)");
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
