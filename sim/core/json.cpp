#include "sim/core/json.hpp"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace flemsim::core {

std::string json_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    for (const char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
                } else {
                    out += c;
                }
        }
    }
    return out;
}

void JsonWriter::newline() {
    m_out += '\n';
    m_out.append(2 * m_first.size(), ' ');
}

void JsonWriter::separator() {
    if (m_after_key) {
        m_after_key = false;
        return;
    }
    if (m_first.empty()) return;
    if (!m_first.back()) m_out += ',';
    m_first.back() = false;
    newline();
}

JsonWriter& JsonWriter::begin_object() {
    separator();
    m_out += '{';
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    const bool empty = m_first.back();
    m_first.pop_back();
    if (!empty) newline();
    m_out += '}';
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    separator();
    m_out += '[';
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    return end_object(), m_out.back() = ']', *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
    separator();
    m_out += '"' + json_escape(k) + "\": ";
    m_after_key = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
    separator();
    m_out += '"' + json_escape(s) + '"';
    return *this;
}

JsonWriter& JsonWriter::value(double v) {
    separator();
    if (!std::isfinite(v)) {
        m_out += "null";
        return *this;
    }
    fmt::format_to(std::back_inserter(m_out), "{:.10g}", v);
    return *this;
}

JsonWriter& JsonWriter::value(long long v) {
    separator();
    m_out += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::value(unsigned long long v) {
    separator();
    m_out += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::value(bool b) {
    separator();
    m_out += b ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null() {
    separator();
    m_out += "null";
    return *this;
}

}  // namespace flemsim::core
