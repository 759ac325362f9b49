#include "sim/network/import/gtfs_csv.hpp"

#include <cmath>

#include "sim/core/text.hpp"

namespace flemsim::network::import {

using core::InputError;
using core::SourcePos;

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Columns count characters, not bytes: UTF-8 continuation bytes (10xxxxxx) are skipped.
int column_of(const std::string& text, std::size_t line_start, std::size_t offset) {
    int column = 1;
    for (std::size_t i = line_start; i < offset && i < text.size(); ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
    return column;
}

}  // namespace

bool valid_gtfs_date(std::int32_t date) {
    const int year = date / 10000;
    const int month = date / 100 % 100;
    const int day = date % 100;
    if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1) return false;
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= days[month - 1] + (month == 2 && leap ? 1 : 0);
}

GtfsTable::GtfsTable(std::string file, std::string text) : m_file(std::move(file)), m_text(std::move(text)) {
    if (m_text.starts_with("\xEF\xBB\xBF")) m_offset = m_line_start = 3;
    if (!read_record())
        throw InputError({m_file, 1, 1}, "the file is empty", "a GTFS table starts with a header line of column names");
    m_header_line = m_row_line;
    for (const auto& f : m_fields)
        m_header.emplace_back(core::trim(std::string_view(m_values).substr(f.begin, f.size)));
    for (std::size_t i = 0; i < m_header.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (!m_header[i].empty() && m_header[i] == m_header[j])
                throw InputError({m_file, m_header_line, column_of(m_text, m_fields[i].line_start, m_fields[i].offset)},
                                 "column '" + m_header[i] + "' appears twice in the header");
    m_fields.clear();
}

std::size_t GtfsTable::column(std::string_view name) const {
    for (std::size_t i = 0; i < m_header.size(); ++i)
        if (m_header[i] == name) return i;
    return absent;
}

std::size_t GtfsTable::required_column(std::string_view name) const {
    const auto c = column(name);
    if (c == absent)
        throw InputError({m_file, m_header_line, 0}, "missing required column '" + std::string(name) + "'",
                         core::did_you_mean(name, m_header));
    return c;
}

bool GtfsTable::read_record() {
    // Blank lines (and a final line end) are not records.
    while (m_offset < m_text.size() && (m_text[m_offset] == '\n' || m_text[m_offset] == '\r')) {
        if (m_text[m_offset] == '\r' && m_offset + 1 < m_text.size() && m_text[m_offset + 1] == '\n') ++m_offset;
        ++m_offset;
        ++m_line;
        m_line_start = m_offset;
    }
    if (m_offset >= m_text.size()) return false;
    m_values.clear();
    m_fields.clear();
    m_row_line = m_line;
    const auto n = m_text.size();
    for (;;) {
        Field f;
        f.begin = m_values.size();
        f.line = m_line;
        f.offset = m_offset;
        f.line_start = m_line_start;
        const auto here = [&](std::size_t at) {
            return SourcePos{m_file, m_line, column_of(m_text, m_line_start, at)};
        };
        if (m_offset < n && m_text[m_offset] == '"') {
            ++m_offset;
            for (;;) {
                if (m_offset >= n)
                    throw InputError({m_file, f.line, column_of(m_text, f.line_start, f.offset)},
                                     "a quoted field is not closed", "a quote inside a quoted field is written \"\"");
                const char c = m_text[m_offset];
                if (c == '"') {
                    if (m_offset + 1 < n && m_text[m_offset + 1] == '"') {
                        m_values += '"';
                        m_offset += 2;
                        continue;
                    }
                    ++m_offset;
                    break;
                }
                if (c == '\n') {
                    ++m_line;
                    m_line_start = m_offset + 1;
                }
                m_values += c;
                ++m_offset;
            }
            if (m_offset < n && m_text[m_offset] != ',' && m_text[m_offset] != '\n' && m_text[m_offset] != '\r')
                throw InputError(here(m_offset), "text after the closing quote of a field",
                                 "quote the whole field and write a quote inside it as \"\"");
        } else {
            while (m_offset < n && m_text[m_offset] != ',' && m_text[m_offset] != '\n' && m_text[m_offset] != '\r') {
                if (m_text[m_offset] == '"')
                    throw InputError(here(m_offset), "a quote inside an unquoted field",
                                     "quote the whole field and write a quote inside it as \"\"");
                m_values += m_text[m_offset++];
            }
        }
        f.size = m_values.size() - f.begin;
        m_fields.push_back(f);
        if (m_offset < n && m_text[m_offset] == ',') {
            ++m_offset;
            continue;
        }
        // End of the record: a line end (CRLF, LF or a lone CR) or the end of the text.
        if (m_offset < n && m_text[m_offset] == '\r') ++m_offset;
        if (m_offset < n && m_text[m_offset] == '\n') ++m_offset;
        ++m_line;
        m_line_start = m_offset;
        return true;
    }
}

bool GtfsTable::next() {
    if (!read_record()) return false;
    if (m_fields.size() > m_header.size())
        throw InputError({m_file, m_row_line,
                          column_of(m_text, m_fields[m_header.size()].line_start, m_fields[m_header.size()].offset)},
                         "the row has " + std::to_string(m_fields.size()) + " fields but the header has " +
                             std::to_string(m_header.size()),
                         "a field that contains a comma must be quoted");
    return true;
}

std::string_view GtfsTable::text(std::size_t column) const {
    if (column == absent || column >= m_fields.size()) return {};
    const auto& f = m_fields[column];
    return core::trim(std::string_view(m_values).substr(f.begin, f.size));
}

std::string_view GtfsTable::required_text(std::size_t column) const {
    const auto t = text(column);
    if (t.empty()) fail(column, "must not be empty");
    return t;
}

double GtfsTable::number(std::size_t column) const {
    double v = 0;
    try {
        v = core::parse_double(required_text(column));
    } catch (const core::ParseError& e) {
        fail(column, e.what());
    }
    if (!std::isfinite(v)) fail(column, "expected a finite number, got '" + std::string(text(column)) + "'");
    return v;
}

std::int64_t GtfsTable::integer(std::size_t column) const {
    try {
        return core::parse_int(required_text(column));
    } catch (const core::ParseError& e) {
        fail(column, e.what());
    }
}

std::int32_t GtfsTable::time(std::size_t column) const {
    const auto t = required_text(column);
    // H:MM:SS or HH:MM:SS (or more hour digits); hours are not limited to 23.
    const auto c1 = t.find(':');
    const auto c2 = c1 == std::string_view::npos ? c1 : t.find(':', c1 + 1);
    const auto digits = [](std::string_view s) {
        for (const char c : s)
            if (!is_digit(c)) return false;
        return !s.empty();
    };
    if (c2 == std::string_view::npos || c1 < 1 || c1 > 3 || c2 != c1 + 3 || t.size() != c2 + 3 ||
        !digits(t.substr(0, c1)) || !digits(t.substr(c1 + 1, 2)) || !digits(t.substr(c2 + 1, 2)))
        fail(column, "expected a time H:MM:SS, got '" + std::string(t) + "'");
    const int h = std::stoi(std::string(t.substr(0, c1)));
    const int m = std::stoi(std::string(t.substr(c1 + 1, 2)));
    const int s = std::stoi(std::string(t.substr(c2 + 1, 2)));
    if (m > 59 || s > 59) fail(column, "minutes and seconds must be < 60, got '" + std::string(t) + "'");
    return h * 3600 + m * 60 + s;
}

std::int32_t GtfsTable::date(std::size_t column) const {
    const auto t = required_text(column);
    bool ok = t.size() == 8;
    for (const char c : t) ok = ok && is_digit(c);
    const auto v = ok ? static_cast<std::int32_t>(std::stol(std::string(t))) : 0;
    if (!ok || !valid_gtfs_date(v)) fail(column, "expected a date YYYYMMDD, got '" + std::string(t) + "'");
    return v;
}

SourcePos GtfsTable::pos(std::size_t column) const {
    if (column == absent || column >= m_fields.size()) return {m_file, m_row_line, 0};
    const auto& f = m_fields[column];
    return {m_file, f.line, column_of(m_text, f.line_start, f.offset)};
}

void GtfsTable::fail(std::size_t column, const std::string& message, const std::string& hint) const {
    const std::string name = column < m_header.size() ? m_header[column] : std::string("?");
    throw InputError(pos(column), name + ": " + message, hint);
}

void GtfsTable::fail_row(const std::string& message) const {
    throw InputError({m_file, m_row_line, 1}, message);
}

}  // namespace flemsim::network::import
