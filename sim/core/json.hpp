#pragma once
// A small streaming JSON writer (objects, arrays, strings, numbers), enough for reports.
#include <string>
#include <string_view>
#include <vector>

namespace flemsim::core {

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(double v);
    JsonWriter& value(long long v);
    JsonWriter& value(int v) { return value(static_cast<long long>(v)); }
    JsonWriter& value(unsigned long long v);
    JsonWriter& value(bool b);
    JsonWriter& null();

    const std::string& str() const { return m_out; }

private:
    void separator();
    void newline();
    std::string m_out;
    std::vector<bool> m_first;  // per open container: no element written yet
    bool m_after_key = false;
};

std::string json_escape(std::string_view s);

}  // namespace flemsim::core
