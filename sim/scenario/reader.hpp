#pragma once
// Strict reading of a ConfigNode tree: wrong types, out-of-range values, missing and
// unknown keys are InputErrors that name file:line:column and the key path.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/config_tree.hpp"

namespace flemsim::scenario {

struct Range {
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    bool lo_open = false;  // lo itself excluded
};
inline constexpr Range any_number{};
inline constexpr Range non_negative{0.0};
inline constexpr Range positive{0.0, std::numeric_limits<double>::infinity(), true};
inline constexpr Range unit_interval{0.0, 1.0};
inline constexpr Range non_positive{-std::numeric_limits<double>::infinity(), 0.0};

[[noreturn]] void fail_at(const ConfigNode& node, const std::string& path, const std::string& message,
                          const std::string& hint = {});

double to_number(const ConfigNode& node, const std::string& path, Range range = any_number);
long long to_integer(const ConfigNode& node, const std::string& path, Range range = any_number);
// 0 .. 2^64 - 1 (seeds).
std::uint64_t to_unsigned64(const ConfigNode& node, const std::string& path);
std::string to_string(const ConfigNode& node, const std::string& path);
std::vector<double> to_numbers(const ConfigNode& node, const std::string& path, Range range = any_number);

class MapReader {
public:
    MapReader(const ConfigNode& node, std::string path);
    MapReader(const MapReader&) = delete;
    MapReader& operator=(const MapReader&) = delete;

    const ConfigNode* optional(std::string_view key);
    const ConfigNode& required(std::string_view key);
    double number(std::string_view key, Range range = any_number);
    double number_or(std::string_view key, double fallback, Range range = any_number);
    long long integer(std::string_view key, Range range = any_number);
    std::string string(std::string_view key);
    std::string child_path(std::string_view key) const;
    const ConfigNode& node() const { return m_node; }
    const std::string& path() const { return m_path; }

    // Every key that was not asked for is an error, with a suggestion among those that were.
    void finish() const;

private:
    const ConfigNode& m_node;
    std::string m_path;
    std::vector<std::string> m_known;
};

}  // namespace flemsim::scenario
