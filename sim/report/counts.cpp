#include "sim/report/counts.hpp"

#include <expat.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "sim/core/csv.hpp"
#include "sim/core/json.hpp"
#include "sim/core/text.hpp"

namespace flemsim::report {

using core::InputError;
using core::SourcePos;

namespace {

constexpr std::string_view kind_names[] = {"link", "boardings", "passengers"};
constexpr std::string_view direction_names[] = {"both", "forward", "backward"};

std::vector<std::string> split_ids(std::string_view text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto plus = text.find('+', start);
        const auto part = core::trim(text.substr(start, plus == std::string_view::npos ? text.npos : plus - start));
        if (!part.empty()) out.emplace_back(part);
        if (plus == std::string_view::npos) break;
        start = plus + 1;
    }
    return out;
}

std::vector<Observation> read_csv(const std::filesystem::path& path) {
    core::CsvReader r(path, {"kind", "id", "hour", "count"}, {"direction"});
    std::vector<Observation> out;
    while (r.next()) {
        Observation o;
        const auto kind = r.required_text(0);
        const auto k = std::find(std::begin(kind_names), std::end(kind_names), kind);
        if (k == std::end(kind_names))
            r.fail(0, "unknown kind '" + std::string(kind) + "'", "use link, boardings or passengers");
        o.kind = static_cast<CountKind>(k - std::begin(kind_names));
        o.ids = split_ids(r.required_text(1));
        if (o.ids.empty()) r.fail(1, "no id");
        const auto hour = r.required_text(2);
        if (hour == "day") {
            o.hour = -1;
        } else {
            const auto h = r.integer(2);
            if (h < 0 || h > 23) r.fail(2, "an hour is 0 to 23 (or day for a daily count), got " + std::string(hour));
            o.hour = static_cast<int>(h);
        }
        o.count = r.number(3);
        if (o.count < 0) r.fail(3, "a count cannot be negative");
        if (r.has(4) && !r.text(4).empty()) {
            const auto d = r.text(4);
            const auto it = std::find(std::begin(direction_names), std::end(direction_names), d);
            if (it == std::end(direction_names))
                r.fail(4, "unknown direction '" + std::string(d) + "'", "use both, forward or backward");
            if (o.kind != CountKind::link && it != std::begin(direction_names))
                r.fail(4, "a direction is for link counts only");
            o.direction = static_cast<CountDirection>(it - std::begin(direction_names));
        }
        o.pos = r.pos(0);
        out.push_back(std::move(o));
    }
    return out;
}

// MATSim's counts files, versions 1 and 2, with expat.
struct XmlState {
    std::string file;
    XML_Parser parser = nullptr;
    std::vector<Observation> out;
    int version = 0;  // 1 or 2, from the first element that tells
    std::string id;   // current count (v1) or measurement location (v2)
    bool in_location = false;
    bool volumes = false;  // v2: the current measurable is of volumes
    int interval = 3600;
    std::string error;
    SourcePos error_pos;

    SourcePos pos() const {
        return {file, static_cast<int>(XML_GetCurrentLineNumber(parser)),
                static_cast<int>(XML_GetCurrentColumnNumber(parser)) + 1};
    }
    void fail(const std::string& message) {
        if (!error.empty()) return;
        error = message;
        error_pos = pos();
        XML_StopParser(parser, XML_FALSE);
    }
};

const char* attribute(const char** atts, const char* name) {
    for (int i = 0; atts[i]; i += 2)
        if (std::string_view(atts[i]) == name) return atts[i + 1];
    return nullptr;
}

bool parse_number(const char* text, double& out) {
    if (!text) return false;
    char* end = nullptr;
    out = std::strtod(text, &end);
    if (end == text) return false;
    while (*end == ' ' || *end == '\t') ++end;
    return *end == '\0' && std::isfinite(out);
}

void XMLCALL start_element(void* data, const char* name, const char** atts) {
    auto& st = *static_cast<XmlState*>(data);
    const std::string_view n(name);
    if (n == "count") {
        st.version = 1;
        const char* id = attribute(atts, "loc_id");
        if (!id || !*id) return st.fail("<count> without loc_id");
        st.id = id;
    } else if (n == "volume") {
        double h = 0, val = 0;
        if (!parse_number(attribute(atts, "h"), h) || h < 1 || h > 24 || h != std::floor(h))
            return st.fail("<volume>: h must be an hour from 1 to 24");
        if (!parse_number(attribute(atts, "val"), val) || val < 0)
            return st.fail("<volume>: val must be a count of 0 or more");
        if (st.id.empty()) return st.fail("<volume> outside a <count>");
        Observation o;
        o.kind = CountKind::link;
        o.ids = {st.id};
        o.hour = static_cast<int>(h) - 1;  // h = 1 is the hour from 00:00 to 01:00
        o.count = val;
        o.pos = st.pos();
        st.out.push_back(std::move(o));
    } else if (n == "measurementLocation") {
        st.version = 2;
        const char* id = attribute(atts, "refId");
        if (!id || !*id) return st.fail("<measurementLocation> without refId");
        st.id = id;
        st.in_location = true;
    } else if (n == "measurable") {
        const char* type = attribute(atts, "type");
        st.volumes = type && std::string_view(type) == "volumes";
        double interval = 3600;
        if (const char* iv = attribute(atts, "interval"); iv && !parse_number(iv, interval))
            return st.fail("<measurable>: interval must be a number of seconds");
        if (st.volumes && interval != 3600 && interval != 86400)
            return st.fail("<measurable>: interval " + fmt::format("{:g}", interval) +
                           " s is not supported (3600: hourly, 86400: daily)");
        // Only a volumes measurable's interval is used (and checked above): another's may be any
        // number, which must not be cast to int.
        st.interval = st.volumes ? static_cast<int>(interval) : 3600;
    } else if (n == "value") {
        if (!st.in_location) return st.fail("<value> outside a <measurementLocation>");
        if (!st.volumes) return;  // velocities and other measurables are not counts of vehicles
        double t = 0, val = 0;
        if (!parse_number(attribute(atts, "t"), t) || t < 0) return st.fail("<value>: t must be seconds of 0 or more");
        if (!parse_number(attribute(atts, "val"), val) || val < 0)
            return st.fail("<value>: val must be a count of 0 or more");
        Observation o;
        o.kind = CountKind::link;
        o.ids = {st.id};
        // Checked before the cast: a t of any size is a number the cast to int must not see.
        if (st.interval != 86400 && t >= 86400)
            return st.fail("<value>: t is beyond the day (" + fmt::format("{:g}", t) + " s)");
        o.hour = st.interval == 86400 ? -1 : static_cast<int>(t / 3600);
        o.count = val;
        o.pos = st.pos();
        st.out.push_back(std::move(o));
    }
}

void XMLCALL end_element(void* data, const char* name) {
    auto& st = *static_cast<XmlState*>(data);
    const std::string_view n(name);
    if (n == "count") st.id.clear();
    if (n == "measurementLocation") {
        st.id.clear();
        st.in_location = false;
    }
}

std::vector<Observation> read_xml(const std::filesystem::path& path, const std::string& text) {
    XmlState st;
    st.file = path.string();
    st.parser = XML_ParserCreate(nullptr);
    if (!st.parser) throw core::IoError("cannot create an XML parser");
    XML_SetUserData(st.parser, &st);
    XML_SetElementHandler(st.parser, start_element, end_element);
    const auto status = XML_Parse(st.parser, text.data(), static_cast<int>(text.size()), XML_TRUE);
    if (status == XML_STATUS_ERROR && st.error.empty()) {
        st.error = std::string("XML syntax error: ") + XML_ErrorString(XML_GetErrorCode(st.parser));
        st.error_pos = st.pos();
    }
    XML_ParserFree(st.parser);
    if (!st.error.empty()) throw InputError(st.error_pos, st.error);
    if (st.version == 0)
        throw InputError({path.string(), 1, 1},
                         "no counts: a MATSim counts file has <count> (version 1) or <measurementLocation> "
                         "(version 2) elements");
    return std::move(st.out);
}

double hourly(const Observation& o, double v) {
    return o.hour < 0 ? v / 24.0 : v;
}

}  // namespace

double geh(double modelled, double counted) {
    const double sum = modelled + counted;
    if (sum <= 0) return 0.0;
    return std::sqrt(2.0 * (modelled - counted) * (modelled - counted) / sum);
}

std::vector<Observation> read_counts(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw core::IoError("cannot read counts file '" + path.string() + "'");
    // The first character that is not blank (or a byte-order mark) tells XML from CSV; only XML
    // is read here whole, the CSV reader reads its own file.
    int c = in.get();
    while (c != EOF && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xEF || c == 0xBB || c == 0xBF))
        c = in.get();
    if (c != '<') return read_csv(path);
    in.seekg(0);
    std::ostringstream ss;
    ss << in.rdbuf();
    return read_xml(path, ss.str());
}

CountsResult compare_counts(const std::vector<Observation>& observations, const ModelCounts& model) {
    std::unordered_map<std::string, std::uint32_t> link_of, stop_of;
    for (std::uint32_t i = 0; i < model.link_ids.size(); ++i) link_of.emplace(model.link_ids[i], i);
    for (std::uint32_t i = 0; i < model.stop_ids.size(); ++i) stop_of.emplace(model.stop_ids[i], i);
    // Link volumes per link x direction x hour.
    const std::size_t links = model.link_ids.size();
    std::vector<double> volume(links * 2 * ModelCounts::hours, 0.0);
    for (const auto& v : model.link_volumes) {
        const std::size_t h = std::min<std::size_t>(v.hour, ModelCounts::hours - 1);
        volume[(static_cast<std::size_t>(v.link) * 2 + v.direction) * ModelCounts::hours + h] += v.cars + v.buses;
    }
    CountsResult r;
    double ape_sum = 0;
    std::size_t ape_n = 0;
    for (const auto& o : observations) {
        CountRow row;
        row.obs = o;
        for (const auto& id : o.ids) {
            const auto& index = o.kind == CountKind::link ? link_of : stop_of;
            const auto it = index.find(id);
            if (it == index.end())
                throw InputError(o.pos, std::string("no ") + (o.kind == CountKind::link ? "link" : "stop") + " '" + id +
                                            "' in the trip log's network");
            const auto first_hour = o.hour < 0 ? 0 : o.hour;
            const auto last_hour = o.hour < 0 ? ModelCounts::hours : o.hour + 1;
            for (int h = first_hour; h < last_hour; ++h) {
                if (o.kind == CountKind::link) {
                    for (int dir = 0; dir < 2; ++dir) {
                        if (o.direction == CountDirection::forward && dir != 0) continue;
                        if (o.direction == CountDirection::backward && dir != 1) continue;
                        row.modelled +=
                            volume[(static_cast<std::size_t>(it->second) * 2 + dir) * ModelCounts::hours + h];
                    }
                } else {
                    const std::size_t k = static_cast<std::size_t>(it->second) * ModelCounts::hours + h;
                    row.modelled += model.boardings[k];
                    if (o.kind == CountKind::passengers) row.modelled += model.alightings[k];
                }
            }
        }
        row.geh = geh(hourly(o, row.modelled), hourly(o, o.count));
        if (row.geh < 5) ++r.under_geh5;
        if (o.count > 0) {
            ape_sum += std::abs(row.modelled - o.count) / o.count;
            ++ape_n;
        }
        r.counted_total += o.count;
        r.modelled_total += row.modelled;
        r.rows.push_back(std::move(row));
    }
    r.share_under_geh5 = r.rows.empty() ? 0.0 : static_cast<double>(r.under_geh5) / r.rows.size();
    r.mape = ape_n ? ape_sum / ape_n : 0.0;
    return r;
}

namespace {
std::string id_text(const Observation& o) {
    std::string s;
    for (const auto& id : o.ids) s += (s.empty() ? "" : "+") + id;
    return s;
}
std::string hour_text(const Observation& o) {
    return o.hour < 0 ? "day" : fmt::format("{:02d}", o.hour);
}
}  // namespace

std::string counts_table(const CountsResult& r) {
    std::size_t w = 4;
    for (const auto& row : r.rows) w = std::max(w, id_text(row.obs).size());
    std::string t = fmt::format("{:<10} {} {:>4} {:>8} {:>12} {:>12} {:>7}\n", "kind", core::pad_right("id", w), "hour",
                                "dir", "counted", "modelled", "GEH");
    for (const auto& row : r.rows)
        t += fmt::format("{:<10} {} {:>4} {:>8} {:>12.0f} {:>12.0f} {:>7.2f}{}\n",
                         kind_names[static_cast<int>(row.obs.kind)], core::pad_right(id_text(row.obs), w),
                         hour_text(row.obs), direction_names[static_cast<int>(row.obs.direction)], row.obs.count,
                         row.modelled, row.geh, row.geh < 5 ? "" : "  (GEH 5 or more)");
    t += fmt::format(
        "{} counts: {} with GEH under 5 ({:.1f} %; the UK guidance asks 85 % of hourly link counts); mean absolute "
        "percentage error {:.1f} %; counted {:.0f}, modelled {:.0f} in all.\n",
        r.rows.size(), r.under_geh5, 100 * r.share_under_geh5, 100 * r.mape, r.counted_total, r.modelled_total);
    t += "GEH = sqrt(2 (M - C)^2 / (M + C)) on hourly values; a daily count is compared as both values / 24.\n";
    return t;
}

std::string counts_csv(const CountsResult& r) {
    std::string s = "kind,id,hour,direction,counted,modelled,geh\n";
    for (const auto& row : r.rows)
        s += fmt::format("{},{},{},{},{:g},{:g},{:.4f}\n", kind_names[static_cast<int>(row.obs.kind)], id_text(row.obs),
                         hour_text(row.obs), direction_names[static_cast<int>(row.obs.direction)], row.obs.count,
                         row.modelled, row.geh);
    return s;
}

std::string counts_json(const CountsResult& r) {
    core::JsonWriter w;
    w.begin_object();
    w.key("counts").value(static_cast<unsigned long long>(r.rows.size()));
    w.key("under_geh5").value(static_cast<unsigned long long>(r.under_geh5));
    w.key("share_under_geh5").value(r.share_under_geh5);
    w.key("mape").value(r.mape);
    w.key("counted_total").value(r.counted_total);
    w.key("modelled_total").value(r.modelled_total);
    w.key("geh").value("sqrt(2 (M - C)^2 / (M + C)) on hourly values; daily counts as both / 24");
    w.key("rows").begin_array();
    for (const auto& row : r.rows) {
        w.begin_object();
        w.key("kind").value(std::string(kind_names[static_cast<int>(row.obs.kind)]));
        w.key("id").value(id_text(row.obs));
        w.key("hour").value(hour_text(row.obs));
        w.key("direction").value(std::string(direction_names[static_cast<int>(row.obs.direction)]));
        w.key("counted").value(row.obs.count);
        w.key("modelled").value(row.modelled);
        w.key("geh").value(row.geh);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return w.str() + "\n";
}

std::string counts_scatter_svg(const CountsResult& r) {
    constexpr double size = 360, pad = 48;
    double top = 10;
    for (const auto& row : r.rows) top = std::max({top, hourly(row.obs, row.obs.count), hourly(row.obs, row.modelled)});
    top *= 1.05;
    const auto x = [&](double v) { return pad + v / top * size; };
    const auto y = [&](double v) { return pad + size - v / top * size; };
    std::string s = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{0}\" font-family=\"sans-serif\" "
        "font-size=\"11\">\n",
        size + 2 * pad);
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\n", pad, pad,
                     size, size);
    // y = x, and the GEH 5 band: M = C + 6.25 +- sqrt(6.25^2 + 25 C).
    s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444\"/>\n", x(0), y(0), x(top), y(top));
    for (const int sign : {-1, 1}) {
        std::string path;
        for (int i = 0; i <= 60; ++i) {
            const double c = top * i / 60.0;
            const double m = std::clamp(c + 6.25 + sign * std::sqrt(6.25 * 6.25 + 25 * c), 0.0, top);
            path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", x(c), y(m));
        }
        s += "<path d=\"" + path + "\" fill=\"none\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n";
    }
    for (const auto& row : r.rows)
        s += fmt::format(
            "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"><title>{} {} {}: counted {:.0f}, "
            "modelled {:.0f}, GEH {:.2f}</title></circle>\n",
            x(hourly(row.obs, row.obs.count)), y(hourly(row.obs, row.modelled)), row.geh < 5 ? "#2a7" : "#c33",
            kind_names[static_cast<int>(row.obs.kind)], core::html_escape(id_text(row.obs)), hour_text(row.obs),
            row.obs.count, row.modelled, row.geh);
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">counted (per hour; daily / 24)</text>\n",
                     pad + size / 2, size + 2 * pad - 12);
    s += fmt::format("<text x=\"14\" y=\"{}\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\">modelled</text>\n",
                     pad + size / 2, pad + size / 2);
    s += fmt::format("<text x=\"{}\" y=\"{}\">{:.0f}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.0f}</text>\n",
                     x(top) - 20, size + pad + 14, top, pad - 4, pad + 4, top);
    s += fmt::format("<text x=\"{}\" y=\"{}\">dashed: GEH 5; {:.0f} % of counts inside</text>\n", pad, pad - 10,
                     100 * r.share_under_geh5);
    s += "</svg>\n";
    return s;
}

}  // namespace flemsim::report
