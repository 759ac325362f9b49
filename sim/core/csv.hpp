#pragma once
// Reader of flemsim's plain-text tables: comma separated, no quoting, '#' comment lines,
// blank lines ignored, first non-comment line is the header. Every error names
// file:line:column and the column name.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/error.hpp"

namespace flemsim::core {

class CsvReader {
public:
    // Reads the whole file. `columns` are required, in any order; `optional` columns may be
    // absent (their text is then empty) and are numbered after the required ones; any other
    // column is an error.
    CsvReader(const std::filesystem::path& path, std::vector<std::string> columns,
              const std::vector<std::string>& optional = {});

    bool has(std::size_t column) const { return m_index[column] != static_cast<std::size_t>(-1); }

    // Advances to the next data row; false at the end.
    bool next();

    const std::string& file() const { return m_file; }
    int line() const { return m_line; }
    std::size_t row_count_hint() const { return m_text.size() / 32; }

    std::string_view text(std::size_t column) const;           // column index in the `columns` order
    std::string_view required_text(std::size_t column) const;  // error if empty
    double number(std::size_t column) const;                   // error if not a finite number
    double positive(std::size_t column) const;                 // error unless > 0
    std::int64_t integer(std::size_t column) const;
    std::int32_t clock(std::size_t column) const;  // HH:MM:SS

    SourcePos pos(std::size_t column) const;
    [[noreturn]] void fail(std::size_t column, const std::string& message, const std::string& hint = {}) const;
    [[noreturn]] void fail_row(const std::string& message) const;

    const std::string& column_name(std::size_t column) const { return m_columns[column]; }

private:
    std::string m_file;
    std::string m_text;
    std::vector<std::string> m_columns;
    std::vector<std::size_t> m_index;  // requested column -> field index in the file
    std::size_t m_field_count = 0;     // fields per row (the header's)
    std::size_t m_offset = 0;
    int m_line = 0;
    std::vector<std::string_view> m_fields;
    std::vector<int> m_field_col;  // 1-based column of each field
    std::string_view m_raw;
};

// A field of a comma-separated file we write: quoted (RFC 4180) when it holds a comma, a quote or
// a line break.
std::string csv_field(std::string_view value);

}  // namespace flemsim::core
