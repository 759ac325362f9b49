#pragma once
// Reader of GTFS tables: RFC 4180 CSV (fields may be quoted; inside quotes a comma, a line
// break and a doubled quote "" are text), CRLF or LF line ends, an optional UTF-8 byte-order
// mark. Columns are found by name in the header and any other column is ignored, as GTFS
// allows. Every error names file:line:column and the column name.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/error.hpp"

namespace flemsim::network::import {

class GtfsTable {
public:
    static constexpr std::size_t absent = static_cast<std::size_t>(-1);

    // Parses the header of `text`, the whole content of the file called `file` in messages.
    // An empty file (not even a header) is an error.
    GtfsTable(std::string file, std::string text);

    // Index of the column `name`, or `absent`.
    std::size_t column(std::string_view name) const;
    // Index of the column `name`; an InputError at the header line when there is none.
    std::size_t required_column(std::string_view name) const;

    // Advances to the next data row, skipping blank lines; false at the end. A row with fewer
    // fields than the header reads the missing ones as empty (common in published feeds);
    // a row with more is an error.
    bool next();

    const std::string& file() const { return m_file; }
    int line() const { return m_row_line; }  // 1-based line where the current row starts

    // The field with surrounding blanks removed; "" for an `absent` column or an empty field.
    std::string_view text(std::size_t column) const;
    std::string_view required_text(std::size_t column) const;  // error if empty
    double number(std::size_t column) const;                   // error if not a finite number
    std::int64_t integer(std::size_t column) const;            // error if not an integer
    // A GTFS time H:MM:SS or HH:MM:SS in seconds after midnight of the service day; hours may
    // exceed 23 for trips after midnight.
    std::int32_t time(std::size_t column) const;
    // A GTFS date YYYYMMDD as the integer YYYYMMDD, checked to be a real calendar date.
    std::int32_t date(std::size_t column) const;

    core::SourcePos pos(std::size_t column) const;
    [[noreturn]] void fail(std::size_t column, const std::string& message, const std::string& hint = {}) const;
    [[noreturn]] void fail_row(const std::string& message) const;

private:
    struct Field {
        std::size_t begin = 0;  // in m_values
        std::size_t size = 0;
        int line = 0;                // 1-based line of the field's first character
        std::size_t offset = 0;      // that character in m_text (the opening quote if quoted)
        std::size_t line_start = 0;  // where its line starts in m_text
    };

    // Reads one record at m_offset into m_fields; false at the end of the text.
    bool read_record();

    std::string m_file;
    std::string m_text;
    std::size_t m_offset = 0;
    int m_line = 1;                // line of m_offset
    std::size_t m_line_start = 0;  // offset where that line starts (for columns)
    int m_row_line = 0;
    std::vector<std::string> m_header;
    std::string m_values;  // unescaped field text of the current record, back to back
    std::vector<Field> m_fields;
    int m_header_line = 1;
};

// True when `date` (YYYYMMDD) names a real day of the Gregorian calendar.
bool valid_gtfs_date(std::int32_t date);

}  // namespace flemsim::network::import
