#include "sim/core/csv.hpp"

#include <fstream>
#include <iterator>

#include "sim/core/text.hpp"

namespace flemsim::core {

namespace {
std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError({path.string(), 0, 0}, "cannot open file", "does it exist?");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
}  // namespace

std::string csv_field(std::string_view value) {
    if (value.find_first_of(",\"\n") == std::string_view::npos) return std::string(value);
    std::string q = "\"";
    for (const char c : value) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

CsvReader::CsvReader(const std::filesystem::path& path, std::vector<std::string> columns,
                     const std::vector<std::string>& optional)
    : m_file(path.string()), m_text(slurp(path)), m_columns(std::move(columns)) {
    const std::size_t required = m_columns.size();
    m_columns.insert(m_columns.end(), optional.begin(), optional.end());
    if (!next()) throw InputError({m_file, 0, 0}, "empty table: no header line");
    // The row just read is the header.
    std::vector<std::string> header;
    for (auto f : m_fields) header.emplace_back(trim(f));
    m_index.assign(m_columns.size(), static_cast<std::size_t>(-1));
    for (std::size_t f = 0; f < header.size(); ++f) {
        std::size_t found = static_cast<std::size_t>(-1);
        for (std::size_t c = 0; c < m_columns.size(); ++c)
            if (m_columns[c] == header[f]) found = c;
        if (found == static_cast<std::size_t>(-1))
            throw InputError({m_file, m_line, m_field_col[f]}, "unknown column '" + header[f] + "'",
                             did_you_mean(header[f], m_columns));
        if (m_index[found] != static_cast<std::size_t>(-1))
            throw InputError({m_file, m_line, m_field_col[f]}, "column '" + header[f] + "' appears twice");
        m_index[found] = f;
    }
    for (std::size_t c = 0; c < required; ++c)
        if (m_index[c] == static_cast<std::size_t>(-1))
            throw InputError({m_file, m_line, 1}, "missing column '" + m_columns[c] + "'");
    m_field_count = header.size();
}

bool CsvReader::next() {
    while (m_offset < m_text.size()) {
        std::size_t end = m_text.find('\n', m_offset);
        if (end == std::string::npos) end = m_text.size();
        std::string_view raw(m_text.data() + m_offset, end - m_offset);
        m_offset = end + 1;
        ++m_line;
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        if (m_line == 1 && raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);  // UTF-8 BOM
        const std::string_view t = trim(raw);
        if (t.empty() || t.front() == '#') continue;
        m_raw = raw;
        m_fields = split(raw, ',');
        m_field_col.clear();
        int col = 1;
        for (auto f : m_fields) {
            m_field_col.push_back(col);
            col += static_cast<int>(f.size()) + 1;
        }
        if (!m_index.empty() && m_fields.size() != m_field_count) {
            throw InputError(
                {m_file, m_line, 1},
                "expected " + std::to_string(m_field_count) + " fields, found " + std::to_string(m_fields.size()),
                "names must not contain commas");
        }
        return true;
    }
    return false;
}

std::string_view CsvReader::text(std::size_t column) const {
    return has(column) ? trim(m_fields[m_index[column]]) : std::string_view{};
}

std::string_view CsvReader::required_text(std::size_t column) const {
    const auto t = text(column);
    if (t.empty()) fail(column, "must not be empty");
    return t;
}

SourcePos CsvReader::pos(std::size_t column) const {
    if (m_index.empty() || !has(column)) return {m_file, m_line, 1};
    return {m_file, m_line, m_field_col[m_index[column]]};
}

void CsvReader::fail(std::size_t column, const std::string& message, const std::string& hint) const {
    throw InputError(pos(column), m_columns[column] + ": " + message, hint);
}

void CsvReader::fail_row(const std::string& message) const {
    throw InputError({m_file, m_line, 1}, message);
}

double CsvReader::number(std::size_t column) const {
    try {
        return parse_double(text(column));
    } catch (const ParseError& e) {
        fail(column, e.what());
    }
}

double CsvReader::positive(std::size_t column) const {
    const double v = number(column);
    if (!(v > 0)) fail(column, "must be > 0, got " + std::string(text(column)));
    return v;
}

std::int64_t CsvReader::integer(std::size_t column) const {
    try {
        return parse_int(text(column));
    } catch (const ParseError& e) {
        fail(column, e.what());
    }
}

std::int32_t CsvReader::clock(std::size_t column) const {
    try {
        return parse_clock(text(column));
    } catch (const ParseError& e) {
        fail(column, e.what());
    }
}

}  // namespace flemsim::core
