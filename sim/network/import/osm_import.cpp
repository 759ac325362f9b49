#include "sim/network/import/osm_import.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <numbers>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <osmium/io/any_input.hpp>
#include <osmium/io/error.hpp>
#include <osmium/osm/box.hpp>
#include <osmium/osm/location.hpp>
#include <osmium/osm/node.hpp>
#include <osmium/osm/relation.hpp>
#include <osmium/osm/way.hpp>

#include "sim/core/error.hpp"
#include "sim/core/types.hpp"

namespace flemsim::network::import {

namespace {

constexpr std::uint8_t all_street = walk_bit | bike_bit | car_bit;
constexpr std::uint8_t walk_bike = walk_bit | bike_bit;

// Speeds and lanes are Swedish urban practice (assumption); lanes per direction, capacity per
// lane and direction.
constexpr std::array<RoadDefaults, 21> k_defaults{{
    {"motorway", 110, 2, 2000, car_bit},      {"motorway_link", 60, 1, 1500, car_bit},
    {"trunk", 80, 2, 1800, car_bit},          {"trunk_link", 50, 1, 1200, car_bit},
    {"primary", 50, 2, 900, all_street},      {"primary_link", 40, 1, 900, all_street},
    {"secondary", 50, 1, 900, all_street},    {"secondary_link", 40, 1, 800, all_street},
    {"tertiary", 40, 1, 700, all_street},     {"tertiary_link", 30, 1, 700, all_street},
    {"unclassified", 40, 1, 600, all_street}, {"road", 40, 1, 600, all_street},
    {"residential", 30, 1, 600, all_street},  {"living_street", 7, 1, 300, all_street},
    {"service", 20, 1, 300, all_street},      {"track", 20, 1, 200, walk_bike},
    {"pedestrian", 7, 1, 100, walk_bit},      {"footway", 7, 1, 100, walk_bit},
    {"steps", 5, 1, 100, walk_bit},           {"path", 15, 1, 100, walk_bike},
    {"cycleway", 15, 1, 100, walk_bike},
}};

constexpr std::array<std::string_view, 7> k_skipped_types{"bridleway",    "construction", "proposed", "raceway",
                                                          "bus_guideway", "platform",     "corridor"};

// Degree lengths of the network projection (README of the network format).
constexpr double k_m_per_deg_lon_at_equator = 111320.0;
constexpr double k_m_per_deg_lat = 110574.0;

double round_01(double v) {
    return std::round(v * 10.0) / 10.0;
}

std::string_view trim(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
}

// A number at the start of v; the rest of v is left in `rest`.
std::optional<double> leading_number(std::string_view v, std::string_view& rest) {
    double x = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc{} || ptr == v.data()) return std::nullopt;
    rest = trim(std::string_view(ptr, static_cast<std::size_t>(v.data() + v.size() - ptr)));
    return x;
}

struct SpeedTag {
    std::optional<double> kph;  // none: use the type's default
    bool understood = true;     // false: a value we could not read (reported in a note)
};

SpeedTag parse_maxspeed(std::string_view v) {
    v = trim(v);
    if (auto semi = v.find(';'); semi != std::string_view::npos) v = trim(v.substr(0, semi));
    if (v == "none" || v == "signals" || v == "variable") return {};
    if (v == "walk" || v == "SE:walk" || v == "SE:living_street") return {7.0};
    if (v == "SE:urban") return {50.0};
    if (v == "SE:rural") return {70.0};
    if (v == "SE:motorway") return {110.0};
    std::string_view rest;
    auto x = leading_number(v, rest);
    if (!x || !(*x > 0)) return {std::nullopt, false};
    if (rest.empty() || rest == "km/h" || rest == "kmh" || rest == "kph") return {*x};
    if (rest == "mph") return {*x * 1.609344};
    if (rest == "knots") return {*x * 1.852};
    return {std::nullopt, false};
}

enum class Access { unset, yes, no };

Access access_value(const char* v) {
    if (v == nullptr) return Access::unset;
    std::string_view s = v;
    if (s == "no" || s == "private" || s == "use_sidepath") return Access::no;
    if (s == "yes" || s == "designated" || s == "permissive" || s == "destination") return Access::yes;
    return Access::unset;
}

void apply_access(std::uint8_t& modes, std::uint8_t bits, Access a) {
    if (a == Access::yes) modes = static_cast<std::uint8_t>(modes | bits);
    if (a == Access::no) modes = static_cast<std::uint8_t>(modes & ~bits);
}

bool starts_with_opposite(const char* v) {
    return v != nullptr && std::string_view(v).starts_with("opposite");
}

// The attributes that must be equal on both sides of a node for the node to be folded.
// car_oneway implies car in modes, bike_oneway implies bike; car fields are 0 without car.
struct StreetAttrs {
    std::string type;
    std::uint8_t modes = 0;
    bool car_oneway = false;
    bool bike_oneway = false;
    double speed_kph = 0;
    double lanes = 0;     // per direction
    double capacity = 0;  // veh/h per direction
    std::string name;
    bool operator==(const StreetAttrs&) const = default;

    bool directed() const { return car_oneway || bike_oneway; }
};

struct NodeLoc {
    osmium::object_id_type id;
    double lat;
    double lon;
};

struct WayRec {
    osmium::object_id_type id;
    std::vector<osmium::object_id_type> refs;  // already reversed for oneway=-1
    StreetAttrs attrs;
    std::string ref;  // the road's number (`ref`, e.g. "E4;E20"), for naming gateways
};

// Counters for the notes.
struct TagStats {
    std::map<std::string, std::size_t> unknown_types;
    std::size_t skipped_types = 0;
    std::size_t area_yes = 0;
    std::size_t no_mode = 0;
    std::map<std::string, std::size_t> bad_maxspeed;
    std::size_t bad_lanes = 0;
};

const RoadDefaults* find_defaults(std::string_view type) {
    for (const auto& d : k_defaults)
        if (d.highway == type) return &d;
    return nullptr;
}

// Interprets the tags of a highway way; nullopt when the way gives no street.
std::optional<WayRec> read_way(const osmium::Way& way, TagStats& stats) {
    const auto& tags = way.tags();
    const char* highway = tags["highway"];
    std::string_view type = highway;
    if (std::find(k_skipped_types.begin(), k_skipped_types.end(), type) != k_skipped_types.end()) {
        ++stats.skipped_types;
        return std::nullopt;
    }
    const RoadDefaults* def = find_defaults(type);
    if (def == nullptr) {
        ++stats.unknown_types[std::string(type)];
        return std::nullopt;
    }
    if (const char* area = tags["area"]; area != nullptr && std::string_view(area) == "yes") {
        ++stats.area_yes;
        return std::nullopt;
    }

    StreetAttrs a;
    a.type = std::string(type);
    a.modes = def->modes;
    apply_access(a.modes, all_street, access_value(tags["access"]));
    apply_access(a.modes, bike_bit | car_bit, access_value(tags["vehicle"]));
    apply_access(a.modes, walk_bit, access_value(tags["foot"]));
    apply_access(a.modes, bike_bit, access_value(tags["bicycle"]));
    apply_access(a.modes, car_bit, access_value(tags["motor_vehicle"]));
    apply_access(a.modes, car_bit, access_value(tags["motorcar"]));
    if (a.modes == 0) {
        ++stats.no_mode;
        return std::nullopt;
    }

    // Direction: oneway=-1 reverses the way, so that every oneway runs along the node order.
    bool forward = false;
    bool reverse = false;
    bool explicit_no = false;
    if (const char* ow = tags["oneway"]) {
        std::string_view s = ow;
        forward = s == "yes" || s == "1" || s == "true";
        reverse = s == "-1" || s == "reverse";
        explicit_no = s == "no" || s == "0" || s == "false";
    }
    const char* junction = tags["junction"];
    bool implied = (junction != nullptr &&
                    (std::string_view(junction) == "roundabout" || std::string_view(junction) == "circular")) ||
                   type == "motorway" || type == "motorway_link";
    bool oneway = forward || reverse || (implied && !explicit_no);
    bool bike_both_ways = false;
    bool bike_oneway_tag = false;
    if (const char* ob = tags["oneway:bicycle"]) {
        bike_both_ways = std::string_view(ob) == "no";
        bike_oneway_tag = std::string_view(ob) == "yes";
    }
    bike_both_ways = bike_both_ways || starts_with_opposite(tags["cycleway"]) ||
                     starts_with_opposite(tags["cycleway:left"]) || starts_with_opposite(tags["cycleway:right"]) ||
                     starts_with_opposite(tags["cycleway:both"]);
    a.car_oneway = (a.modes & car_bit) != 0 && oneway;
    a.bike_oneway = (a.modes & bike_bit) != 0 && ((oneway && !bike_both_ways) || bike_oneway_tag);

    if ((a.modes & car_bit) != 0) {
        a.speed_kph = def->speed_kph;
        if (const char* ms = tags["maxspeed"]) {
            SpeedTag sp = parse_maxspeed(ms);
            if (sp.kph) a.speed_kph = *sp.kph;
            if (!sp.understood) ++stats.bad_maxspeed[ms];
        }
        a.lanes = def->lanes;
        if (const char* ln = tags["lanes"]) {
            std::string_view rest;
            auto total = leading_number(trim(ln), rest);
            if (total && *total > 0 && rest.empty()) {
                a.lanes = a.car_oneway ? *total : std::max(1.0, *total / 2.0);
            } else {
                ++stats.bad_lanes;
            }
        }
        a.capacity = def->capacity_veh_per_h * a.lanes;
    }
    if (const char* name = tags["name"]) {
        // The CSV format has no quoting: commas and double quotes cannot appear in a name.
        for (const char* c = name; *c != '\0'; ++c)
            if (*c != ',' && *c != '"') a.name.push_back(*c);
    }

    WayRec rec{way.id(), {}, std::move(a), {}};
    if (const char* ref = tags["ref"])
        for (const char* c = ref; *c != '\0'; ++c)
            if (*c != ',' && *c != '"') rec.ref.push_back(*c);
    rec.refs.reserve(way.nodes().size());
    for (const auto& nr : way.nodes()) rec.refs.push_back(nr.ref());
    if (reverse) std::reverse(rec.refs.begin(), rec.refs.end());
    return rec;
}

bool known_extension(const std::string& name) {
    for (const char* ext : {".osm", ".osm.pbf", ".pbf", ".osm.gz", ".osm.bz2"})
        if (name.ends_with(ext)) return true;
    return false;
}

// Where the element `<kind id="id"` starts in an uncompressed XML file, for an error found
// after libosmium parsed it (its objects keep no line numbers). Read only on that error path;
// the file alone (no line) when the element is not found or the file is not plain XML.
core::SourcePos xml_element_pos(const std::filesystem::path& file, std::string_view kind, std::int64_t id) {
    core::SourcePos pos{file.string()};
    if (!file.filename().string().ends_with(".osm")) return pos;
    std::ifstream in(file, std::ios::binary);
    const std::string open = "<" + std::string(kind);
    const std::string dq = "id=\"" + std::to_string(id) + "\"", sq = "id='" + std::to_string(id) + "'";
    std::string text;
    for (int line = 1; std::getline(in, text); ++line) {
        for (std::size_t at = text.find(open); at != std::string::npos; at = text.find(open, at + 1)) {
            // The attributes of this tag: up to its end on the line (tags spread over lines are rare).
            const auto end = text.find('>', at);
            const std::string_view tag = std::string_view(text).substr(at, end == std::string::npos ? end : end - at);
            const char after = at + open.size() < text.size() ? text[at + open.size()] : ' ';
            const bool this_id = tag.find(dq) != std::string_view::npos || tag.find(sq) != std::string_view::npos;
            if ((after == ' ' || after == '\t') && this_id) {
                pos.line = line;
                pos.column = static_cast<int>(at) + 1;
                return pos;
            }
        }
    }
    return pos;
}

// Where the first `lat` or `lon` attribute that is not a number lies in an uncompressed XML
// file: libosmium's error for it names the text but neither the element nor the line.
// The first lat or lon attribute of an XML extract (.osm) that is not a number of degrees within
// 1,000 either way, with its line and column and its text; none when all are (or the file is
// compressed or PBF: not read). `bounded` false finds only those that are not numbers.
struct BadCoordinate {
    core::SourcePos pos;
    std::string text;
};
std::optional<BadCoordinate> xml_bad_coordinate(const std::filesystem::path& file, bool bounded) {
    if (!file.filename().string().ends_with(".osm")) return std::nullopt;
    std::ifstream in(file, std::ios::binary);
    std::string text;
    for (int line = 1; std::getline(in, text); ++line) {
        for (const char* name : {" lat=", " lon=", "\tlat=", "\tlon="}) {
            for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
                const std::size_t open = at + 5;  // the quote
                if (open >= text.size() || (text[open] != '"' && text[open] != '\'')) continue;
                const std::size_t close = text.find(text[open], open + 1);
                const char* first = text.data() + open + 1;
                const char* last = close == std::string::npos ? text.data() + text.size() : text.data() + close;
                double v = 0;
                const auto [end, ec] = std::from_chars(first, last, v);
                if (close != std::string::npos && ec == std::errc() && end == last && std::isfinite(v) &&
                    (!bounded || std::abs(v) <= 1000))
                    continue;
                core::SourcePos pos{file.string()};
                pos.line = line;
                pos.column = static_cast<int>(at) + 2;  // the attribute's name, after the blank
                return BadCoordinate{pos, std::string(first, std::min<std::size_t>(last - first, 40))};
            }
        }
    }
    return std::nullopt;
}

core::SourcePos xml_bad_coordinate_pos(const std::filesystem::path& file) {
    const auto bad = xml_bad_coordinate(file, false);
    return bad ? bad->pos : core::SourcePos{file.string()};
}

// A turn restriction (type=restriction, for cars): from a way, over a node, to a way.
struct TurnRestriction {
    osmium::object_id_type from_way = 0, via_node = 0, to_way = 0;
    bool only = false;  // only_*: from `from_way` every other turn is forbidden; no_*: this one
};

struct FileContents {
    std::vector<NodeLoc> nodes;  // sorted by id, unique
    std::vector<WayRec> ways;    // sorted by id
    std::vector<TurnRestriction> restrictions;
    std::size_t restrictions_via_way = 0, restrictions_other = 0;  // not applied: via a way; not for cars or unknown
    osmium::Box bounds;                                            // from the header, may be invalid
};

// type=restriction relations that concern cars: restriction=* (or restriction:motorcar=*),
// no_* or only_*, not excepting motorcars, with one from way, a via node and one to way. A
// restriction over a via way is counted, not applied.
void read_restriction(const osmium::Relation& rel, FileContents& out) {
    const auto& tags = rel.tags();
    const char* type = tags["type"];
    if (!type || std::string_view(type) != "restriction") return;
    const char* value = tags["restriction:motorcar"];
    if (!value) value = tags["restriction"];
    const char* except = tags["except"];
    const std::string_view v = value ? value : "";
    const bool only = v.rfind("only_", 0) == 0, no = v.rfind("no_", 0) == 0;
    if ((!only && !no) || v == "no_entry" || v == "no_exit" ||
        (except && std::string_view(except).find("motorcar") != std::string_view::npos)) {
        ++out.restrictions_other;
        return;
    }
    TurnRestriction r;
    r.only = only;
    int froms = 0, tos = 0, vias = 0;
    bool via_way = false;
    for (const auto& m : rel.members()) {
        const std::string_view role = m.role();
        if (role == "from" && m.type() == osmium::item_type::way) r.from_way = m.ref(), ++froms;
        if (role == "to" && m.type() == osmium::item_type::way) r.to_way = m.ref(), ++tos;
        if (role == "via" && m.type() == osmium::item_type::node) r.via_node = m.ref(), ++vias;
        if (role == "via" && m.type() == osmium::item_type::way) via_way = true, ++vias;
    }
    if (via_way) {
        ++out.restrictions_via_way;
        return;
    }
    if (froms != 1 || tos != 1 || vias != 1) {
        ++out.restrictions_other;
        return;
    }
    out.restrictions.push_back(r);
}

FileContents read_file(const std::filesystem::path& file, OsmReport& report, TagStats& stats) {
    const std::string name = file.string();
    if (!known_extension(file.filename().string()))
        throw core::InputError({name}, "unknown OpenStreetMap file extension",
                               "use .osm (XML), .osm.pbf, .osm.gz or .osm.bz2");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) throw core::InputError({name}, "OpenStreetMap file not found");

    // A coordinate far beyond any degree (a large exponent, "59.e99") would overflow libosmium's
    // XML parser's 64-bit arithmetic before its own range check: an XML extract's coordinates are
    // read first (a pass over the text), and such a one is an error here, with its place.
    if (const auto bad = xml_bad_coordinate(file, true))
        throw core::InputError(bad->pos, "malformed OSM XML: coordinate '" + bad->text +
                                             "' is not a number of degrees (within 1000 either way)");
    FileContents out;
    try {
        osmium::io::File input{name};
        osmium::io::Reader reader{
            input, osmium::osm_entity_bits::node | osmium::osm_entity_bits::way | osmium::osm_entity_bits::relation};
        out.bounds = reader.header().joined_boxes();
        while (osmium::memory::Buffer buffer = reader.read()) {
            for (const auto& obj : buffer.select<osmium::OSMObject>()) {
                if (!obj.visible()) continue;
                if (obj.type() == osmium::item_type::node) {
                    const auto& node = static_cast<const osmium::Node&>(obj);
                    // A visible node without a valid location (absent, or latitude beyond 90 or
                    // longitude beyond 180) is broken data: leaving it out would cut its ways silently.
                    if (!node.location().valid())
                        throw core::InputError(xml_element_pos(file, "node", node.id()),
                                               "node " + std::to_string(node.id()) +
                                                   " has no valid location (lat within 90, lon within 180)");
                    out.nodes.push_back({node.id(), node.location().lat(), node.location().lon()});
                } else if (obj.type() == osmium::item_type::way) {
                    const auto& way = static_cast<const osmium::Way&>(obj);
                    ++report.ways_read;
                    if (way.tags()["highway"] == nullptr) continue;
                    ++report.highway_ways;
                    if (auto rec = read_way(way, stats)) out.ways.push_back(std::move(*rec));
                } else if (obj.type() == osmium::item_type::relation) {
                    read_restriction(static_cast<const osmium::Relation&>(obj), out);
                }
            }
        }
        reader.close();
    } catch (const core::InputError&) {
        throw;
    } catch (const osmium::xml_error& e) {
        core::SourcePos pos{name};
        if (e.line > 0) {
            pos.line = static_cast<int>(e.line);
            pos.column = static_cast<int>(e.column) + 1;  // expat counts columns from 0
        }
        throw core::InputError(pos, "malformed OSM XML: " + e.error_string);
    } catch (const osmium::invalid_location& e) {
        throw core::InputError(xml_bad_coordinate_pos(file), std::string("malformed OSM XML: ") + e.what());
    } catch (const osmium::pbf_error& e) {
        throw core::InputError({name}, std::string("malformed OSM PBF: ") + e.what());
    } catch (const std::system_error& e) {
        throw core::IoError(name + ": " + e.what());
    } catch (const std::exception& e) {
        // osmium::io_error, protozero's and the decompressors' errors: the file's content is bad.
        throw core::InputError({name}, std::string("cannot read OpenStreetMap data: ") + e.what());
    }

    std::stable_sort(out.nodes.begin(), out.nodes.end(),
                     [](const NodeLoc& a, const NodeLoc& b) { return a.id < b.id; });
    // A later version of the same node wins (as in a file with history or a merged file).
    std::vector<NodeLoc> unique;
    unique.reserve(out.nodes.size());
    for (const auto& n : out.nodes) {
        if (!unique.empty() && unique.back().id == n.id)
            unique.back() = n;
        else
            unique.push_back(n);
    }
    out.nodes = std::move(unique);
    std::stable_sort(out.ways.begin(), out.ways.end(), [](const WayRec& a, const WayRec& b) { return a.id < b.id; });
    return out;
}

// A street edge between two graph nodes: a run of a way, later folded with its neighbours.
struct Edge {
    osmium::object_id_type way;  // key of its first piece: (way, seg)
    std::uint32_t seg;
    std::uint32_t attrs;  // index into the way list (its StreetAttrs)
    std::uint32_t from;   // node index
    std::uint32_t to;
    double length_m;
    bool alive = true;
    std::vector<std::uint32_t> via;  // the folded-away nodes between from and to, in that order

    std::pair<osmium::object_id_type, std::uint32_t> key() const { return {way, seg}; }
};

struct Link {
    osmium::object_id_type way;  // for a gateway connector: 0 (its id is c_<gateway>_<k>)
    std::uint32_t k;
    std::uint32_t from;
    std::uint32_t to;
    double length_m;
    std::uint32_t attrs;
    std::uint8_t modes;
    bool oneway;
    std::uint32_t edge;  // whose `via` is this link's shape
    int gateway = -1;    // a connector of this gateway (index into the import's gateways)
};

// Keeps, per mode, only the links whose both ends lie in the mode's largest strongly connected
// component (walk is always two-way; bike and car follow the oneway flag).
void keep_largest_components(std::vector<Link>& links, std::size_t node_count, OsmReport& report) {
    using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
    const std::array<std::uint8_t, 3> bits{walk_bit, bike_bit, car_bit};
    std::vector<std::uint8_t> original(links.size());
    for (std::size_t i = 0; i < links.size(); ++i) original[i] = links[i].modes;

    for (std::size_t m = 0; m < bits.size(); ++m) {
        const std::uint8_t bit = bits[m];
        Graph g(node_count);
        std::vector<bool> touched(node_count, false);
        bool any = false;
        for (std::size_t i = 0; i < links.size(); ++i) {
            if ((original[i] & bit) == 0) continue;
            any = true;
            const auto& l = links[i];
            touched[l.from] = touched[l.to] = true;
            boost::add_edge(l.from, l.to, g);
            if (bit == walk_bit || !l.oneway) boost::add_edge(l.to, l.from, g);
        }
        if (!any) continue;
        std::vector<int> comp(node_count);
        const int comp_count = boost::strong_components(
            g, boost::make_iterator_property_map(comp.begin(), boost::get(boost::vertex_index, g)));
        std::vector<std::size_t> size(static_cast<std::size_t>(comp_count), 0);
        for (std::size_t v = 0; v < node_count; ++v)
            if (touched[v]) ++size[static_cast<std::size_t>(comp[v])];
        // The largest; on a tie the one holding the lowest node index (deterministic).
        int best = -1;
        for (std::size_t v = 0; v < node_count; ++v) {
            if (!touched[v]) continue;
            const int c = comp[v];
            if (best < 0 || size[static_cast<std::size_t>(c)] > size[static_cast<std::size_t>(best)]) best = c;
        }
        for (std::size_t v = 0; v < node_count; ++v)
            if (touched[v] && comp[v] != best) ++report.dropped_nodes[m];
        for (std::size_t i = 0; i < links.size(); ++i) {
            if ((original[i] & bit) == 0) continue;
            if (comp[links[i].from] != best || comp[links[i].to] != best) {
                links[i].modes = static_cast<std::uint8_t>(links[i].modes & ~bit);
                ++report.dropped_links[m];
            }
        }
    }
}

// Latin letters with diacritics (UTF-8, two bytes) as their base letters, for ids.
constexpr std::array<std::pair<std::string_view, std::string_view>, 33> latin{
    {{"\u00e5", "a"},  {"\u00e4", "a"}, {"\u00e0", "a"}, {"\u00e1", "a"}, {"\u00e2", "a"},  {"\u00e3", "a"},
     {"\u00e6", "ae"}, {"\u00e7", "c"}, {"\u00e8", "e"}, {"\u00e9", "e"}, {"\u00ea", "e"},  {"\u00eb", "e"},
     {"\u00ec", "i"},  {"\u00ed", "i"}, {"\u00ee", "i"}, {"\u00ef", "i"}, {"\u00f1", "n"},  {"\u00f2", "o"},
     {"\u00f3", "o"},  {"\u00f4", "o"}, {"\u00f5", "o"}, {"\u00f6", "o"}, {"\u00f8", "o"},  {"\u00f9", "u"},
     {"\u00fa", "u"},  {"\u00fb", "u"}, {"\u00fc", "u"}, {"\u00fd", "y"}, {"\u00df", "ss"}, {"\u00c5", "a"},
     {"\u00c4", "a"},  {"\u00d6", "o"}, {"\u00c9", "e"}}};

// An id for the network format from a road's ref or name: [a-z0-9_], diacritics dropped.
std::string slug(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto u = static_cast<unsigned char>(text[i]);
        std::string_view letter;
        if (u >= 0x80)
            for (const auto& [from, to] : latin)
                if (text.compare(i, from.size(), from) == 0) {
                    letter = to;
                    i += from.size() - 1;
                    break;
                }
        if (std::isalnum(u) && u < 0x80)
            out.push_back(static_cast<char>(std::tolower(u)));
        else if (!letter.empty())
            out += letter;
        else if (!out.empty() && out.back() != '_')
            out.push_back('_');
        // Other bytes of a multi-byte character fold into the separator.
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    return out;
}

constexpr std::array<const char*, 8> compass{"east", "north-east", "north", "north-west",
                                             "west", "south-west", "south", "south-east"};

std::string compass_of(double dx, double dy) {
    const double a = std::atan2(dy, dx);  // 0: east, counter-clockwise
    const int k = static_cast<int>(std::lround(a / (std::numbers::pi / 4))) & 7;
    return compass[static_cast<std::size_t>(k)];
}

// Where a kept run of a way stops at the area's edge (the way goes on outside, or its next
// node is missing from the file): node (index into the file's nodes), way, and whether the
// way's node order enters the area there.
struct Cut {
    std::uint32_t node;
    std::uint32_t way;
    bool enters;
};

// The gateways of OsmOptions::gateways: cuts of the chosen road types grouped by road (ref,
// else name, else type) and joined within merge_m (single linkage: the two carriageways of a
// motorway, a road cut twice at a corner); per group a node 30 m beyond the cuts' mean, away
// from the centre of the streets, with a car connector to each cut end (two-way, or one-way
// along the cut road's traffic). Appends to
// the graph's nodes (dense indices), ways (the connectors' attributes), edges and links.
void add_gateway_nodes(const GatewayOptions& o, const std::vector<Cut>& all_cuts,
                       const std::vector<std::uint32_t>& dense, FileContents& data, std::vector<double>& xs,
                       std::vector<double>& ys, std::vector<std::uint32_t>& graph_nodes, std::vector<Edge>& edges,
                       std::vector<Link>& links, std::vector<std::string>& gateway_ids,
                       std::vector<OsmGateway>& gateways, OsmReport& report) {
    std::vector<const Cut*> cuts;
    for (const auto& c : all_cuts) {
        const auto& a = data.ways[c.way].attrs;
        if (std::find(o.road_types.begin(), o.road_types.end(), a.type) == o.road_types.end()) continue;
        if (!(a.modes & car_bit) || c.node == core::invalid_index || dense[c.node] == core::invalid_index) continue;
        cuts.push_back(&c);
    }
    report.gateway_cuts = cuts.size();
    if (cuts.empty() || graph_nodes.empty()) return;
    double cx = 0, cy = 0;
    for (const auto n : graph_nodes) cx += xs[n], cy += ys[n];
    cx /= static_cast<double>(graph_nodes.size());
    cy /= static_cast<double>(graph_nodes.size());
    const auto road_of = [&](const Cut& c) {
        const WayRec& w = data.ways[c.way];
        return !w.ref.empty() ? w.ref : !w.attrs.name.empty() ? w.attrs.name : w.attrs.type;
    };
    std::vector<int> group(cuts.size(), -1);
    int groups = 0;
    for (std::size_t i = 0; i < cuts.size(); ++i) {
        if (group[i] >= 0) continue;
        group[i] = groups;
        std::vector<std::size_t> stack{i};
        while (!stack.empty()) {
            const auto a = stack.back();
            stack.pop_back();
            for (std::size_t j = 0; j < cuts.size(); ++j) {
                if (group[j] >= 0 || road_of(*cuts[j]) != road_of(*cuts[a])) continue;
                if (std::hypot(xs[cuts[j]->node] - xs[cuts[a]->node], ys[cuts[j]->node] - ys[cuts[a]->node]) <=
                    o.merge_m) {
                    group[j] = groups;
                    stack.push_back(j);
                }
            }
        }
        ++groups;
    }
    // A one-way road's group that only enters joins the nearest group of the same highway type
    // that only leaves, within merge_m: the two carriageways of a road whose ref or name differ
    // between them (W National Ave and West National Ave).
    {
        std::vector<int> dir(static_cast<std::size_t>(groups), 0);  // bit 1: enters, bit 2: leaves
        for (std::size_t i = 0; i < cuts.size(); ++i) {
            const auto& a = data.ways[cuts[i]->way].attrs;
            const int d = !a.car_oneway ? 3 : cuts[i]->enters ? 1 : 2;
            dir[static_cast<std::size_t>(group[i])] |= d;
        }
        for (std::size_t i = 0; i < cuts.size(); ++i) {
            const auto gi = static_cast<std::size_t>(group[i]);
            if (dir[gi] != 1) continue;
            double best = o.merge_m;
            int target = -1;
            for (std::size_t j = 0; j < cuts.size(); ++j) {
                const auto gj = static_cast<std::size_t>(group[j]);
                if (dir[gj] != 2 || data.ways[cuts[j]->way].attrs.type != data.ways[cuts[i]->way].attrs.type) continue;
                const double d =
                    std::hypot(xs[cuts[j]->node] - xs[cuts[i]->node], ys[cuts[j]->node] - ys[cuts[i]->node]);
                if (d <= best) best = d, target = group[j];
            }
            if (target < 0) continue;
            const int from = group[i];
            for (auto& g : group)
                if (g == target) g = from;
            dir[gi] = 3;
            dir[static_cast<std::size_t>(target)] = 0;
        }
        // Renumber the groups densely, in order of their first cut.
        std::map<int, int> dense_group;
        for (auto& g : group) g = dense_group.emplace(g, static_cast<int>(dense_group.size())).first->second;
        groups = static_cast<int>(dense_group.size());
    }
    std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(groups));
    for (std::size_t i = 0; i < cuts.size(); ++i) members[static_cast<std::size_t>(group[i])].push_back(i);
    std::map<std::string, int> uses;
    for (const auto& m : members) ++uses[slug(road_of(*cuts[m.front()]))];
    std::set<std::string> taken;
    for (const auto& m : members) {
        const Cut& first = *cuts[m.front()];
        const WayRec& fw = data.ways[first.way];
        std::vector<std::uint32_t> ends;  // node indices, each once
        for (const auto i : m)
            if (std::find(ends.begin(), ends.end(), cuts[i]->node) == ends.end()) ends.push_back(cuts[i]->node);
        double mx = 0, my = 0;
        for (const auto n : ends) mx += xs[n], my += ys[n];
        mx /= static_cast<double>(ends.size());
        my /= static_cast<double>(ends.size());
        const double dx = mx - cx, dy = my - cy, dist = std::max(1.0, std::hypot(dx, dy));
        const std::string direction = compass_of(dx, dy);
        std::string base = slug(road_of(first));
        if (base.empty()) base = "road";
        std::string id = "gw_" + base + (uses[slug(road_of(first))] > 1 ? "_" + slug(direction) : "");
        for (int k = 2; taken.count(id); ++k) id = "gw_" + base + "_" + slug(direction) + "_" + std::to_string(k);
        taken.insert(id);
        std::string name = fw.ref.empty() ? road_of(first) : fw.ref;
        if (!fw.ref.empty() && !fw.attrs.name.empty() && fw.attrs.name != fw.ref) name += " " + fw.attrs.name;
        name += " (" + direction + ")";

        OsmGateway gw;
        gw.id = id;
        gw.name = name;
        gw.cuts = m.size();
        for (const auto i : m) {
            const auto& a = data.ways[cuts[i]->way].attrs;
            if (!a.car_oneway || cuts[i]->enters) gw.inbound_veh_per_h += a.capacity;
        }
        gw.weight = gw.inbound_veh_per_h * o.car_occupancy;
        const auto g = static_cast<int>(gateways.size());
        // Its node (dense index), 30 m beyond the cuts.
        const auto node = static_cast<std::uint32_t>(data.nodes.size());
        data.nodes.push_back({0, 0, 0});
        xs.push_back(std::round((mx + 30.0 * dx / dist) * 10) / 10);
        ys.push_back(std::round((my + 30.0 * dy / dist) * 10) / 10);
        const auto d = static_cast<std::uint32_t>(graph_nodes.size());
        graph_nodes.push_back(node);
        gw.node = d;
        std::uint32_t k = 0;
        for (const auto end : ends) {
            // The strongest road at this end gives the connector its speed, lanes and capacity.
            const StreetAttrs* best = nullptr;
            for (const auto i : m)
                if (cuts[i]->node == end && (!best || data.ways[cuts[i]->way].attrs.capacity > best->capacity))
                    best = &data.ways[cuts[i]->way].attrs;
            StreetAttrs a;
            a.type = "connector";
            a.modes = car_bit;
            a.speed_kph = best->speed_kph;
            a.lanes = std::max(1.0, best->lanes);
            a.capacity = std::max(1.0, best->capacity);
            a.name = best->name;
            // The connector goes the ways the cut roads go: into the area where one enters (or is
            // two-way), out where one leaves; a one-way street's gateway is thus one-way, and left
            // out below, rather than a way in against its traffic.
            bool in = false, out = false;
            for (const auto i : m) {
                if (cuts[i]->node != end) continue;
                const auto& ca = data.ways[cuts[i]->way].attrs;
                in = in || !ca.car_oneway || cuts[i]->enters;
                out = out || !ca.car_oneway || !cuts[i]->enters;
            }
            a.car_oneway = !(in && out);
            const auto attrs = static_cast<std::uint32_t>(data.ways.size());
            data.ways.push_back({0, {}, std::move(a), {}});
            const double len = std::max(1.0, std::round(std::hypot(xs[node] - xs[end], ys[node] - ys[end]) * 10) / 10);
            const auto from = in ? node : end, to = in ? end : node;  // one-way: along its traffic
            edges.push_back({0, 0, attrs, from, to, len, true, {}});
            links.push_back({0, ++k, in ? d : dense[end], in ? dense[end] : d, len, attrs, car_bit, !(in && out),
                             static_cast<std::uint32_t>(edges.size() - 1), g});
        }
        gateway_ids.push_back(id);
        gateways.push_back(std::move(gw));
    }
}

// Turn restrictions by splitting their via nodes for cars: the car part of every car link at a
// restricted node becomes one-way links of its own, the one toward the node ending at an arrival
// node "n<via>_<k>i", the one away from it starting at a departure node "n<via>_<k>o" (ids
// "<link>_c", "<link>r_c" for a two-way link's reverse), and 1 m turn links ("t<via>_<a>_<b>",
// type turn, car, one-way) join each arrival node to the departure nodes of the turns allowed;
// walk and bike stay on the original links at the node. A car cannot chain two turns (turn
// links run from arrivals to departures only), so routing, the level of service and the mobsim
// need nothing else: a forbidden turn is no path.
void apply_turn_restrictions(const FileContents& data, const std::vector<osmium::object_id_type>& link_way,
                             Network& net, OsmReport& report) {
    report.turn_restrictions_read = data.restrictions.size();
    report.turn_restrictions_via_way = data.restrictions_via_way;
    if (data.restrictions.empty()) return;
    // The OSM way of every link, the copies made below included (0: a connector or a turn).
    std::vector<osmium::object_id_type> way_of = link_way;
    way_of.resize(net.link_count(), 0);
    std::map<std::string, std::uint32_t> node_index;
    for (std::uint32_t n = 0; n < net.node_count(); ++n) node_index.emplace(net.node_ids[n], n);
    // Restrictions by via node (net index), in file order.
    std::map<std::uint32_t, std::vector<const TurnRestriction*>> by_node;
    for (const auto& r : data.restrictions) {
        const auto it = node_index.find("n" + std::to_string(r.via_node));
        if (it == node_index.end()) {
            ++report.turn_restrictions_unused;  // the via node is not in the network (outside, folded away)
            continue;
        }
        by_node[it->second].push_back(&r);
    }
    // The links at each node, in link order; the car copies made below join their far end's list.
    std::vector<std::vector<std::uint32_t>> links_at(net.node_count());
    for (std::uint32_t l = 0; l < net.link_count(); ++l) {
        links_at[net.link_from[l]].push_back(l);
        if (net.link_to[l] != net.link_from[l]) links_at[net.link_to[l]].push_back(l);
    }
    for (const auto& entry : by_node) {
        const std::uint32_t v = entry.first;  // a plain variable: lambdas below capture it
        const auto& rules = entry.second;
        const std::vector<std::uint32_t> incident = links_at[v];
        // A restriction applies when its from and to ways both have a car link at the node.
        const auto car_link_of = [&](osmium::object_id_type way) {
            for (const auto l : incident)
                if (way_of[l] == way && (net.link_modes[l] & car_bit)) return true;
            return false;
        };
        std::vector<const TurnRestriction*> applied;
        for (const auto* r : rules)
            if (car_link_of(r->from_way) && car_link_of(r->to_way))
                applied.push_back(r);
            else
                ++report.turn_restrictions_unused;
        if (applied.empty() || incident.size() < 2) continue;
        report.turn_restrictions_applied += applied.size();
        // May a car arrive by link a and leave by link b?
        const auto allowed = [&](std::uint32_t a, std::uint32_t b) {
            const auto wa = way_of[a], wb = way_of[b];
            for (const auto* r : applied) {
                if (r->from_way != wa) continue;
                if (r->only ? r->to_way != wb : r->to_way == wb) return false;
            }
            return true;
        };
        // The car part of every incident car link is split off into one-way links: toward v
        // ending at its own arrival node "n<via>_<k>i", away from v starting at its own
        // departure node "n<via>_<k>o"; the link keeps its walk and bike part at v. Turn links run
        // from arrival to departure nodes only, so a car cannot chain two turns without driving
        // a link between them.
        const std::string base = net.node_ids[v];
        const auto add_node = [&](const std::string& id) { return net.add_node(id, net.node_x_m[v], net.node_y_m[v]); };
        // A copy of link l (its attributes and shape), car only, one-way from -> to.
        const auto add_car_link = [&](std::uint32_t l, const std::string& id, std::uint32_t from, std::uint32_t to,
                                      bool reversed, double length_m, const std::string& type) {
            way_of.push_back(way_of[l]);
            // One end is a node made here; the other, the link's far end, may be a later via node
            // (nodes made here never are).
            for (const auto end : {from, to})
                if (end < links_at.size()) links_at[end].push_back(static_cast<std::uint32_t>(net.link_count()));
            net.add_link({id, from, to, length_m, type, car_bit, true, net.link_car_speed_mps[l], net.link_lanes[l],
                          net.link_capacity_veh_per_h[l], net.link_name[l]});
            std::vector<double> px(net.point_x_m.begin() + net.link_first_point[l],
                                   net.point_x_m.begin() + net.link_first_point[l + 1]);
            std::vector<double> py(net.point_y_m.begin() + net.link_first_point[l],
                                   net.point_y_m.begin() + net.link_first_point[l + 1]);
            if (reversed) {
                std::reverse(px.begin(), px.end());
                std::reverse(py.begin(), py.end());
            }
            net.point_x_m.insert(net.point_x_m.end(), px.begin(), px.end());
            net.point_y_m.insert(net.point_y_m.end(), py.begin(), py.end());
            net.link_first_point.back() = static_cast<std::uint32_t>(net.point_x_m.size());
        };
        struct Arm {
            std::uint32_t link;
            std::uint32_t arrive = core::invalid_index, depart = core::invalid_index;  // car nodes at v
            double speed_mps = 0, lanes = 0, capacity = 0;                             // the link's car attributes
        };
        std::vector<Arm> arms;
        for (std::size_t i = 0; i < incident.size(); ++i) {
            const auto l = incident[i];
            if (!(net.link_modes[l] & car_bit)) continue;
            Arm arm{l,
                    core::invalid_index,
                    core::invalid_index,
                    net.link_car_speed_mps[l],
                    net.link_lanes[l],
                    net.link_capacity_veh_per_h[l]};
            const bool at_to = net.link_to[l] == v, at_from = net.link_from[l] == v;
            if (at_to && at_from) continue;  // a loop at v: left as it is
            const auto far = at_to ? net.link_from[l] : net.link_to[l];
            const bool oneway = net.link_oneway[l] != 0;
            const std::string k = std::to_string(i + 1);
            // Toward v: the link's direction when it ends at v, or its reverse when two-way.
            if (at_to || !oneway) {
                arm.arrive = add_node(base + "_" + k + "i");
                add_car_link(l, net.link_ids[l] + (at_to ? "" : "r") + "_c", far, arm.arrive, !at_to,
                             net.link_length_m[l], net.link_type[l]);
            }
            if (at_from || !oneway) {
                arm.depart = add_node(base + "_" + k + "o");
                add_car_link(l, net.link_ids[l] + (at_from ? "" : "r") + "_c", arm.depart, far, !at_from,
                             net.link_length_m[l], net.link_type[l]);
            }
            // The link keeps walk and bike (their one-way as it was); with neither it goes.
            net.link_modes[l] = static_cast<std::uint8_t>(net.link_modes[l] & ~car_bit);
            net.link_car_speed_mps[l] = 0;
            net.link_lanes[l] = 0;
            net.link_capacity_veh_per_h[l] = 0;
            if (!(net.link_modes[l] & bike_bit)) net.link_oneway[l] = 0;
            arms.push_back(arm);
        }
        std::size_t forbidden = 0;
        for (const auto& a : arms)
            for (const auto& b : arms) {
                if (a.arrive == core::invalid_index || b.depart == core::invalid_index) continue;
                if (!allowed(a.link, b.link)) {
                    ++forbidden;
                    continue;
                }
                const auto ia = static_cast<std::size_t>(&a - arms.data()) + 1;
                const auto ib = static_cast<std::size_t>(&b - arms.data()) + 1;
                // A 1 m turn across the junction: the faster arm's speed, the larger lanes and capacity.
                way_of.push_back(0);
                net.add_link({"t" + base.substr(1) + "_" + std::to_string(ia) + "_" + std::to_string(ib), a.arrive,
                              b.depart, 1.0, "turn", car_bit, true, std::max(a.speed_mps, b.speed_mps),
                              std::max(1.0, std::max(a.lanes, b.lanes)), std::max(a.capacity, b.capacity), ""});
            }
        report.turns_forbidden += forbidden;
    }
    // A turn forbidden may leave a street that only it reached: keep, for cars, the largest
    // strongly connected part again; links left with no mode go.
    {
        std::vector<Link> as_links;
        for (std::uint32_t l = 0; l < net.link_count(); ++l)
            as_links.push_back({0, 0, net.link_from[l], net.link_to[l], net.link_length_m[l], 0, net.link_modes[l],
                                net.link_oneway[l] != 0, 0, -1});
        OsmReport again;
        keep_largest_components(as_links, net.node_count(), again);
        report.turn_car_links_dropped = again.dropped_links[2];
        std::vector<std::uint32_t> keep;
        for (std::uint32_t l = 0; l < net.link_count(); ++l) {
            net.link_modes[l] = as_links[l].modes;
            if (net.link_modes[l] != 0) keep.push_back(l);
            if (!(net.link_modes[l] & car_bit)) {
                net.link_car_speed_mps[l] = 0;
                net.link_lanes[l] = 0;
                net.link_capacity_veh_per_h[l] = 0;
            }
            if (!(net.link_modes[l] & (car_bit | bike_bit))) net.link_oneway[l] = 0;
        }
        if (keep.size() < net.link_count()) {
            const auto pick = [&](auto& v) {
                std::remove_reference_t<decltype(v)> out;
                out.reserve(keep.size());
                for (const auto l : keep) out.push_back(v[l]);
                v = std::move(out);
            };
            std::vector<std::uint32_t> first_point{0};
            std::vector<double> px, py;
            for (const auto l : keep) {
                for (auto p = net.link_first_point[l]; p < net.link_first_point[l + 1]; ++p) {
                    px.push_back(net.point_x_m[p]);
                    py.push_back(net.point_y_m[p]);
                }
                first_point.push_back(static_cast<std::uint32_t>(px.size()));
            }
            pick(net.link_ids);
            pick(net.link_from);
            pick(net.link_to);
            pick(net.link_length_m);
            pick(net.link_type);
            pick(net.link_modes);
            pick(net.link_oneway);
            pick(net.link_car_speed_mps);
            pick(net.link_lanes);
            pick(net.link_capacity_veh_per_h);
            pick(net.link_name);
            net.link_first_point = std::move(first_point);
            net.point_x_m = std::move(px);
            net.point_y_m = std::move(py);
        }
    }
    // The via nodes themselves are left without links: drop them, and any node left without one.
    std::vector<bool> used(net.node_count(), false);
    for (std::uint32_t l = 0; l < net.link_count(); ++l) used[net.link_from[l]] = used[net.link_to[l]] = true;
    std::vector<std::uint32_t> remap(net.node_count(), core::invalid_index);
    std::uint32_t k = 0;
    for (std::uint32_t n = 0; n < net.node_count(); ++n) {
        if (!used[n]) continue;
        remap[n] = k;
        if (k != n) net.node_ids[k] = std::move(net.node_ids[n]);
        net.node_x_m[k] = net.node_x_m[n];
        net.node_y_m[k] = net.node_y_m[n];
        net.node_zone[k] = net.node_zone[n];
        net.node_line[k] = net.node_line[n];
        ++k;
    }
    net.node_ids.resize(k);
    net.node_x_m.resize(k);
    net.node_y_m.resize(k);
    net.node_zone.resize(k);
    net.node_line.resize(k);
    for (std::uint32_t l = 0; l < net.link_count(); ++l) {
        net.link_from[l] = remap[net.link_from[l]];
        net.link_to[l] = remap[net.link_to[l]];
    }
    // A gateway whose node lost its links (it reached the area only through a forbidden turn) goes.
    std::erase_if(report.gateways, [&](const OsmGateway& g) { return remap[g.node] == core::invalid_index; });
    for (auto& g : report.gateways) g.node = remap[g.node];
}

}  // namespace

std::string utm_crs(double lat, double lon) {
    int zone = static_cast<int>(std::floor((lon + 180.0) / 6.0)) + 1;
    zone = std::clamp(zone, 1, 60);
    return "EPSG:" + std::to_string((lat >= 0 ? 32600 : 32700) + zone);
}

std::span<const RoadDefaults> road_defaults() {
    return k_defaults;
}

Area area_from_center(double lat, double lon, double radius_km) {
    const double dlat = radius_km * 1000.0 / k_m_per_deg_lat;
    const double dlon = radius_km * 1000.0 / (k_m_per_deg_lon_at_equator * std::cos(lat * std::numbers::pi / 180.0));
    return {lat - dlat, lon - dlon, lat + dlat, lon + dlon};
}

void import_osm(const std::filesystem::path& file, const OsmOptions& options, Network& net, OsmReport& report) {
    const std::string file_name = file.string();
    TagStats stats;
    FileContents data = read_file(file, report, stats);
    const auto& nodes = data.nodes;

    auto inside = [&](const NodeLoc& n) {
        if (!options.area) return true;
        const Area& a = *options.area;
        return n.lat >= a.min_lat && n.lat <= a.max_lat && n.lon >= a.min_lon && n.lon <= a.max_lon;
    };
    for (const auto& n : nodes)
        if (inside(n)) ++report.nodes_in_area;

    // Origin of the projection.
    if (options.area) {
        net.origin_lat = (options.area->min_lat + options.area->max_lat) / 2.0;
        net.origin_lon = (options.area->min_lon + options.area->max_lon) / 2.0;
    } else if (data.bounds.valid()) {
        net.origin_lat = (data.bounds.bottom_left().lat() + data.bounds.top_right().lat()) / 2.0;
        net.origin_lon = (data.bounds.bottom_left().lon() + data.bounds.top_right().lon()) / 2.0;
    } else if (!nodes.empty()) {
        auto [lat_lo, lat_hi] = std::minmax_element(nodes.begin(), nodes.end(),
                                                    [](const NodeLoc& a, const NodeLoc& b) { return a.lat < b.lat; });
        auto [lon_lo, lon_hi] = std::minmax_element(nodes.begin(), nodes.end(),
                                                    [](const NodeLoc& a, const NodeLoc& b) { return a.lon < b.lon; });
        net.origin_lat = (lat_lo->lat + lat_hi->lat) / 2.0;
        net.origin_lon = (lon_lo->lon + lon_hi->lon) / 2.0;
    }
    if (!options.crs.empty()) {
        const std::string crs = options.crs == "utm" ? utm_crs(net.origin_lat, net.origin_lon) : options.crs;
        try {
            net.set_crs(crs);
        } catch (const std::exception& e) {
            throw core::InputError({file_name, 0, 0}, "--crs '" + options.crs + "': " + e.what(),
                                   "a projected CRS in metres, e.g. EPSG:3006 (SWEREF 99 TM), or utm");
        }
    }
    const double m_per_deg_lon = std::cos(net.origin_lat * std::numbers::pi / 180.0) * k_m_per_deg_lon_at_equator;
    // Through PROJ into the stated CRS (one transformation per node); else the local plane
    // around the origin.
    auto project = [&](const NodeLoc& n) {
        if (!net.projection)
            return std::pair{round_01((n.lon - net.origin_lon) * m_per_deg_lon),
                             round_01((n.lat - net.origin_lat) * k_m_per_deg_lat)};
        const auto [x, y] = net.to_x_y(n.lat, n.lon);
        return std::pair{round_01(x), round_01(y)};
    };

    auto find_node = [&](osmium::object_id_type id) -> std::uint32_t {
        auto it = std::lower_bound(nodes.begin(), nodes.end(), id,
                                   [](const NodeLoc& n, osmium::object_id_type v) { return n.id < v; });
        if (it == nodes.end() || it->id != id) return core::invalid_index;
        return static_cast<std::uint32_t>(it - nodes.begin());
    };

    // Pieces: maximal runs of a way inside the area, consecutive repeats removed.
    struct Piece {
        std::uint32_t way;  // index into data.ways
        std::uint32_t first_seg;
        std::vector<std::uint32_t> nodes;
    };
    std::vector<Piece> pieces;
    // Where a kept run of a way stops at the area's edge (the way goes on outside, or its next
    // node is missing from the file): node (index into `nodes`), way, and whether the way's
    // node order enters the area there.
    std::vector<Cut> cuts;
    std::size_t missing_refs = 0;
    std::size_t ways_kept = 0;
    for (std::uint32_t w = 0; w < data.ways.size(); ++w) {
        const auto& way = data.ways[w];
        std::vector<std::uint32_t> run;
        std::uint32_t seg = 0;  // segment index along the way (of the first node of `run`)
        std::uint32_t run_seg = 0;
        bool kept = false;
        bool run_cut_at_start = false;
        auto flush = [&](bool cut_at_end) {
            if (run.size() >= 2) {
                pieces.push_back({w, run_seg, run});
                kept = true;
                if (run_cut_at_start) cuts.push_back({run.front(), w, true});
                if (cut_at_end) cuts.push_back({run.back(), w, false});
            }
            run.clear();
        };
        for (std::size_t i = 0; i < way.refs.size(); ++i) {
            if (i > 0 && way.refs[i] == way.refs[i - 1]) continue;
            const std::uint32_t n = find_node(way.refs[i]);
            if (n == core::invalid_index) ++missing_refs;
            if (n == core::invalid_index || !inside(nodes[n])) {
                flush(true);
            } else {
                if (run.empty()) {
                    run_seg = seg;
                    run_cut_at_start = i > 0;
                }
                run.push_back(n);
            }
            if (i > 0) ++seg;
        }
        flush(false);
        if (kept) ++ways_kept;
    }

    // From here on only the nodes of the pieces matter: compact their indices (still in OSM id
    // order) so that the per-node arrays below scale with the streets, not with the file.
    {
        std::vector<std::uint32_t> compact(nodes.size(), core::invalid_index);
        for (const auto& p : pieces)
            for (auto n : p.nodes) compact[n] = 0;
        std::vector<NodeLoc> street_nodes;
        for (std::uint32_t n = 0; n < nodes.size(); ++n) {
            if (compact[n] == core::invalid_index) continue;
            compact[n] = static_cast<std::uint32_t>(street_nodes.size());
            street_nodes.push_back(nodes[n]);
        }
        for (auto& p : pieces)
            for (auto& n : p.nodes) n = compact[n];
        for (auto& c : cuts) c.node = compact[c.node];
        data.nodes = std::move(street_nodes);  // `nodes` refers to data.nodes
    }

    // Graph nodes: ends of pieces and nodes used more than once (by two ways or twice by one).
    std::vector<std::uint8_t> uses(nodes.size(), 0);
    std::vector<bool> junction(nodes.size(), false);
    for (const auto& p : pieces) {
        for (auto n : p.nodes)
            if (uses[n] < 2) ++uses[n];
        junction[p.nodes.front()] = junction[p.nodes.back()] = true;
    }
    for (std::size_t n = 0; n < nodes.size(); ++n)
        if (uses[n] >= 2) junction[n] = true;

    std::vector<double> xs(nodes.size(), 0), ys(nodes.size(), 0);
    for (std::size_t n = 0; n < nodes.size(); ++n) {
        std::tie(xs[n], ys[n]) = project(nodes[n]);
    }
    auto seg_length = [&](std::uint32_t a, std::uint32_t b) { return std::hypot(xs[b] - xs[a], ys[b] - ys[a]); };

    // Edges between graph nodes; a closed run (from == to) is split at its middle node.
    std::vector<Edge> edges;
    for (const auto& p : pieces) {
        auto emit = [&](std::size_t i, std::size_t j) {
            double len = 0;
            for (std::size_t k = i; k < j; ++k) len += seg_length(p.nodes[k], p.nodes[k + 1]);
            edges.push_back({data.ways[p.way].id,
                             p.first_seg + static_cast<std::uint32_t>(i),
                             p.way,
                             p.nodes[i],
                             p.nodes[j],
                             len,
                             true,
                             {}});
            edges.back().via.assign(p.nodes.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                    p.nodes.begin() + static_cast<std::ptrdiff_t>(j));
        };
        std::size_t start = 0;
        for (std::size_t j = 1; j < p.nodes.size(); ++j) {
            if (!junction[p.nodes[j]]) continue;
            if (p.nodes[j] == p.nodes[start]) {
                if (j - start < 2) continue;  // cannot happen: repeats were removed
                const std::size_t mid = (start + j) / 2;
                junction[p.nodes[mid]] = true;
                emit(start, mid);
                emit(mid, j);
            } else {
                emit(start, j);
            }
            start = j;
        }
    }

    // Fold degree-2 nodes, in node order (= OSM id order); the edge with the smaller key keeps
    // its id and absorbs the other.
    std::vector<std::vector<std::uint32_t>> incident(nodes.size());
    for (std::uint32_t e = 0; e < edges.size(); ++e) {
        incident[edges[e].from].push_back(e);
        incident[edges[e].to].push_back(e);
    }
    for (std::uint32_t v = 0; v < nodes.size(); ++v) {
        auto& inc = incident[v];
        if (inc.size() != 2 || inc[0] == inc[1]) continue;
        std::uint32_t a = inc[0];
        std::uint32_t b = inc[1];
        if (edges[b].key() < edges[a].key()) std::swap(a, b);
        Edge& keep = edges[a];
        Edge& other = edges[b];
        const StreetAttrs& attrs = data.ways[keep.attrs].attrs;
        if (!(attrs == data.ways[other.attrs].attrs)) continue;
        std::uint32_t from = 0;
        std::uint32_t to = 0;
        // The shape of the folded link, from `from` to `to`: one side, v, the other side.
        std::vector<std::uint32_t> via;
        const auto reversed = [](std::vector<std::uint32_t> p) {
            std::reverse(p.begin(), p.end());
            return p;
        };
        const auto join = [&](const std::vector<std::uint32_t>& first, const std::vector<std::uint32_t>& second) {
            via = first;
            via.push_back(v);
            via.insert(via.end(), second.begin(), second.end());
        };
        if (keep.to == v && other.from == v) {
            from = keep.from;
            to = other.to;
            join(keep.via, other.via);
        } else if (keep.from == v && other.to == v) {
            from = other.from;
            to = keep.to;
            join(other.via, keep.via);
        } else if (attrs.directed()) {
            continue;  // the two sides point against each other
        } else if (keep.to == v) {
            from = keep.from;
            to = other.from;
            join(keep.via, reversed(other.via));
        } else {
            from = other.to;
            to = keep.to;
            join(reversed(other.via), keep.via);
        }
        if (from == to) continue;  // would close a loop
        keep.via = std::move(via);
        other.via.clear();
        const std::uint32_t far = other.from == v ? other.to : other.from;
        std::replace(incident[far].begin(), incident[far].end(), b, a);
        keep.from = from;
        keep.to = to;
        keep.length_m += other.length_m;
        other.alive = false;
        inc.clear();
    }
    std::erase_if(edges, [](const Edge& e) { return !e.alive; });
    std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) { return a.key() < b.key(); });

    {
        std::vector<bool> is_end(nodes.size(), false);
        for (const auto& e : edges) is_end[e.from] = is_end[e.to] = true;
        std::vector<bool> counted(nodes.size(), false);
        for (const auto& p : pieces)
            for (auto n : p.nodes)
                if (!is_end[n] && !counted[n]) {
                    counted[n] = true;
                    ++report.collapsed_nodes;
                }
    }

    // Links; a street that is oneway for one of car and bike only becomes two links.
    std::vector<Link> links;
    {
        osmium::object_id_type way = 0;
        std::uint32_t k = 0;
        for (std::size_t i = 0; i < edges.size(); ++i) {
            const Edge& e = edges[i];
            if (i == 0 || e.way != way) {
                way = e.way;
                k = 0;
            }
            const StreetAttrs& a = data.ways[e.attrs].attrs;
            const bool car = (a.modes & car_bit) != 0;
            const bool bike = (a.modes & bike_bit) != 0;
            const double len = std::max(e.length_m, 0.1);  // distinct nodes at one position
            const auto edge = static_cast<std::uint32_t>(i);
            if (car && bike && a.car_oneway != a.bike_oneway) {
                links.push_back({e.way, k++, e.from, e.to, len, e.attrs, car_bit, a.car_oneway, edge});
                links.push_back({e.way, k++, e.from, e.to, len, e.attrs, static_cast<std::uint8_t>(a.modes & walk_bike),
                                 a.bike_oneway, edge});
            } else {
                links.push_back({e.way, k++, e.from, e.to, len, e.attrs, a.modes, a.car_oneway || a.bike_oneway, edge});
            }
        }
    }

    // Dense indices over link ends, in OSM id order, for the component search.
    std::vector<std::uint32_t> dense(nodes.size(), core::invalid_index);
    std::vector<std::uint32_t> graph_nodes;
    {
        std::vector<bool> used(nodes.size(), false);
        for (const auto& l : links) used[l.from] = used[l.to] = true;
        for (std::uint32_t n = 0; n < nodes.size(); ++n)
            if (used[n]) {
                dense[n] = static_cast<std::uint32_t>(graph_nodes.size());
                graph_nodes.push_back(n);
            }
        for (auto& l : links) {
            l.from = dense[l.from];
            l.to = dense[l.to];
        }
    }
    // Gateways: a node beyond each cut road with car connectors to its cut ends, before
    // the components are kept (a one-way carriageway into the area is only reachable through
    // its gateway).
    std::vector<std::string> gateway_ids;
    std::vector<OsmGateway> gateways;
    if (options.gateways)
        add_gateway_nodes(*options.gateways, cuts, dense, data, xs, ys, graph_nodes, edges, links, gateway_ids,
                          gateways, report);
    keep_largest_components(links, graph_nodes.size(), report);
    std::erase_if(links, [](const Link& l) { return l.modes == 0; });
    if (links.empty())
        throw core::InputError({file_name}, "no usable street in the area",
                               options.area ? "check the area (lat/lon order, radius) against the file's extent"
                                            : "the file holds no highway=* way that walk, bike or car may use");

    // Fill the network.
    std::vector<std::uint32_t> out_index(graph_nodes.size(), core::invalid_index);
    std::vector<int> gateway_node_of(graph_nodes.size(), -1);
    for (std::size_t g = 0; g < gateways.size(); ++g) gateway_node_of[gateways[g].node] = static_cast<int>(g);
    for (const auto& l : links) out_index[l.from] = out_index[l.to] = 0;
    for (std::uint32_t d = 0; d < graph_nodes.size(); ++d) {
        if (out_index[d] == core::invalid_index) continue;
        out_index[d] = static_cast<std::uint32_t>(net.node_ids.size());
        const NodeLoc& n = nodes[graph_nodes[d]];
        net.node_ids.push_back(d < gateway_node_of.size() && gateway_node_of[d] >= 0
                                   ? gateway_ids[static_cast<std::size_t>(gateway_node_of[d])]
                                   : "n" + std::to_string(n.id));
        net.node_x_m.push_back(xs[graph_nodes[d]]);
        net.node_y_m.push_back(ys[graph_nodes[d]]);
        net.node_zone.push_back(core::invalid_index);
        net.node_line.push_back(0);
    }
    net.link_first_point.assign(1, 0);
    std::vector<osmium::object_id_type> link_way;  // the OSM way of each link (0 for a connector)
    for (const auto& l : links) {
        link_way.push_back(l.gateway >= 0 ? 0 : l.way);
        const StreetAttrs& a = data.ways[l.attrs].attrs;
        const bool car = (l.modes & car_bit) != 0;
        const bool bike = (l.modes & bike_bit) != 0;
        net.link_ids.push_back(l.gateway >= 0
                                   ? "c_" + gateway_ids[static_cast<std::size_t>(l.gateway)] + "_" + std::to_string(l.k)
                                   : "w" + std::to_string(l.way) + "_" + std::to_string(l.k));
        net.link_from.push_back(out_index[l.from]);
        net.link_to.push_back(out_index[l.to]);
        net.link_length_m.push_back(l.length_m);
        net.link_type.push_back(a.type);
        net.link_modes.push_back(l.modes);
        net.link_oneway.push_back(l.oneway && (car || bike) ? 1 : 0);
        net.link_car_speed_mps.push_back(car ? a.speed_kph / 3.6 : 0.0);
        net.link_lanes.push_back(car ? a.lanes : 0.0);
        net.link_capacity_veh_per_h.push_back(car ? a.capacity : 0.0);
        net.link_name.push_back(a.name);
        for (const auto n : edges[l.edge].via) {
            net.point_x_m.push_back(xs[n]);
            net.point_y_m.push_back(ys[n]);
        }
        net.link_first_point.push_back(static_cast<std::uint32_t>(net.point_x_m.size()));
    }
    net.name = "OpenStreetMap " + file.filename().string();
    // The gateways whose node a car still reaches both ways (its connectors kept car).
    {
        std::vector<bool> car_kept(gateways.size(), false);
        for (const auto& l : links)
            if (l.gateway >= 0 && (l.modes & car_bit)) car_kept[static_cast<std::size_t>(l.gateway)] = true;
        for (std::size_t g = 0; g < gateways.size(); ++g) {
            if (!car_kept[g] || out_index[gateways[g].node] == core::invalid_index) {
                report.notes.push_back("gateway " + gateway_ids[g] + " (" + gateways[g].name +
                                       ") left out: a car cannot both enter and leave there (a one-way road whose "
                                       "other direction crosses the edge elsewhere, or a road cut off inside)");
                continue;
            }
            OsmGateway kept = gateways[g];
            kept.node = out_index[gateways[g].node];
            report.gateways.push_back(std::move(kept));
        }
    }
    apply_turn_restrictions(data, link_way, net, report);
    report.nodes = net.node_ids.size();
    report.links = net.link_ids.size();

    // Notes for the console.
    auto& notes = report.notes;
    notes.push_back(file_name + ": " + std::to_string(report.ways_read) + " ways, " +
                    std::to_string(report.highway_ways) + " highway=*, " + std::to_string(ways_kept) +
                    " kept with at least two nodes in the area; " + std::to_string(report.nodes_in_area) +
                    " nodes in the area");
    if (stats.skipped_types + stats.area_yes + stats.no_mode > 0)
        notes.push_back("skipped highways: " + std::to_string(stats.skipped_types) + " of an excluded type, " +
                        std::to_string(stats.area_yes) + " area=yes, " + std::to_string(stats.no_mode) +
                        " closed to walk, bike and car");
    if (!stats.unknown_types.empty()) {
        std::string line = "skipped highways of unknown type:";
        for (const auto& [t, n] : stats.unknown_types) line += " " + t + " (" + std::to_string(n) + ")";
        notes.push_back(line);
    }
    if (!stats.bad_maxspeed.empty()) {
        std::string line = "maxspeed not understood, type default used:";
        for (const auto& [v, n] : stats.bad_maxspeed) line += " '" + v + "' (" + std::to_string(n) + ")";
        notes.push_back(line);
    }
    if (stats.bad_lanes > 0)
        notes.push_back(std::to_string(stats.bad_lanes) + " lanes values not understood, type default used");
    if (missing_refs > 0)
        notes.push_back(std::to_string(missing_refs) +
                        " way node references without a node in the file (ways cut there)");
    if (report.turn_restrictions_read + report.turn_restrictions_via_way > 0)
        notes.push_back("turn restrictions: " + std::to_string(report.turn_restrictions_read) + " via a node, " +
                        std::to_string(report.turn_restrictions_applied) + " applied (" +
                        std::to_string(report.turns_forbidden) + " car turns forbidden), " +
                        std::to_string(report.turn_restrictions_unused) +
                        " not (their node or ways are no car links in the area); " +
                        std::to_string(report.turn_restrictions_via_way) + " via a way, not applied; " +
                        std::to_string(report.turn_car_links_dropped) +
                        " car links reached only through a forbidden turn lost car");
    notes.push_back(std::to_string(report.collapsed_nodes) + " degree-2 nodes folded into links; result " +
                    std::to_string(report.nodes) + " nodes, " + std::to_string(report.links) + " links");
    const std::array<const char*, 3> mode_names{"walk", "bike", "car"};
    for (std::size_t m = 0; m < 3; ++m)
        if (report.dropped_nodes[m] + report.dropped_links[m] > 0)
            notes.push_back(std::string(mode_names[m]) + ": " + std::to_string(report.dropped_nodes[m]) +
                            " nodes and " + std::to_string(report.dropped_links[m]) +
                            " links outside the largest strongly connected part lost the mode");
}

}  // namespace flemsim::network::import
