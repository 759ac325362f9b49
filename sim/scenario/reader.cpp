#include "sim/scenario/reader.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "sim/core/text.hpp"

namespace flemsim::scenario {

using core::InputError;

void fail_at(const ConfigNode& node, const std::string& path, const std::string& message, const std::string& hint) {
    throw InputError(node.pos, path + ": " + message, hint);
}

namespace {
std::string fmt_num(double v) {
    return fmt::format("{:g}", v);
}

void check_range(double v, const ConfigNode& node, const std::string& path, Range r) {
    if (r.lo_open ? !(v > r.lo) : !(v >= r.lo))
        fail_at(node, path,
                "must be " + std::string(r.lo_open ? "> " : ">= ") + fmt_num(r.lo) + ", got " + node.scalar);
    if (!(v <= r.hi)) fail_at(node, path, "must be <= " + fmt_num(r.hi) + ", got " + node.scalar);
}
}  // namespace

double to_number(const ConfigNode& node, const std::string& path, Range range) {
    if (node.kind != ConfigNode::Kind::scalar) fail_at(node, path, "expected a number, got " + node.kind_name());
    double v = 0;
    try {
        v = core::parse_double(node.scalar);
    } catch (const core::ParseError&) {
        fail_at(node, path, "expected a number, got '" + node.scalar + "'");
    }
    check_range(v, node, path, range);
    return v;
}

long long to_integer(const ConfigNode& node, const std::string& path, Range range) {
    if (node.kind != ConfigNode::Kind::scalar) fail_at(node, path, "expected a whole number, got " + node.kind_name());
    long long v = 0;
    try {
        v = core::parse_int(node.scalar);
    } catch (const core::ParseError&) {
        fail_at(node, path, "expected a whole number, got '" + node.scalar + "'");
    }
    check_range(static_cast<double>(v), node, path, range);
    return v;
}

std::uint64_t to_unsigned64(const ConfigNode& node, const std::string& path) {
    if (node.kind != ConfigNode::Kind::scalar) fail_at(node, path, "expected a whole number, got " + node.kind_name());
    const std::string_view t = core::trim(node.scalar);
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || p != t.data() + t.size())
        fail_at(node, path, "expected a whole number from 0 to 18446744073709551615, got '" + node.scalar + "'");
    return v;
}

std::string to_string(const ConfigNode& node, const std::string& path) {
    if (node.kind != ConfigNode::Kind::scalar) fail_at(node, path, "expected text, got " + node.kind_name());
    return node.scalar;
}

std::vector<double> to_numbers(const ConfigNode& node, const std::string& path, Range range) {
    if (node.kind != ConfigNode::Kind::sequence)
        fail_at(node, path, "expected a list of numbers, got " + node.kind_name());
    std::vector<double> out;
    for (std::size_t i = 0; i < node.items.size(); ++i)
        out.push_back(to_number(node.items[i], path + "[" + std::to_string(i) + "]", range));
    return out;
}

MapReader::MapReader(const ConfigNode& node, std::string path) : m_node(node), m_path(std::move(path)) {
    if (node.kind != ConfigNode::Kind::map)
        fail_at(node, m_path.empty() ? std::string("scenario") : m_path,
                "expected a mapping of keys, got " + node.kind_name());
}

std::string MapReader::child_path(std::string_view key) const {
    return m_path.empty() ? std::string(key) : m_path + "." + std::string(key);
}

const ConfigNode* MapReader::optional(std::string_view key) {
    m_known.emplace_back(key);
    return m_node.find(key);
}

const ConfigNode& MapReader::required(std::string_view key) {
    const ConfigNode* n = optional(key);
    if (!n) throw InputError(m_node.pos, child_path(key) + ": required key is missing");
    return *n;
}

double MapReader::number(std::string_view key, Range range) {
    return to_number(required(key), child_path(key), range);
}

double MapReader::number_or(std::string_view key, double fallback, Range range) {
    const ConfigNode* n = optional(key);
    return n ? to_number(*n, child_path(key), range) : fallback;
}

long long MapReader::integer(std::string_view key, Range range) {
    return to_integer(required(key), child_path(key), range);
}

std::string MapReader::string(std::string_view key) {
    return to_string(required(key), child_path(key));
}

void MapReader::finish() const {
    for (const auto& e : m_node.entries) {
        bool known = false;
        for (const auto& k : m_known) known = known || k == e.key;
        if (!known)
            throw InputError(e.key_pos, child_path(e.key) + ": unknown key", core::did_you_mean(e.key, m_known));
    }
}

}  // namespace flemsim::scenario
