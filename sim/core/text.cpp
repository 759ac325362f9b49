#include "sim/core/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace flemsim::core {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    // two neighbouring letters (the commonest typo) each cost 1; letter case is ignored.
    const auto eq = [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    };
    const std::size_t w = b.size() + 1;
    std::vector<std::size_t> d((a.size() + 1) * w);
    for (std::size_t i = 0; i <= a.size(); ++i) d[i * w] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t v = std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1,
                                      d[(i - 1) * w + j - 1] + (eq(a[i - 1], b[j - 1]) ? 0 : 1)});
            if (i > 1 && j > 1 && eq(a[i - 1], b[j - 2]) && eq(a[i - 2], b[j - 1]))
                v = std::min(v, d[(i - 2) * w + j - 2] + 1);
            d[i * w + j] = v;
        }
    return d[a.size() * w + b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = static_cast<std::size_t>(-1);
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    // Plausible: at most a third of the longer word changed (and at least one letter allowed).
    const std::size_t limit = std::max<std::size_t>(1, std::max(word.size(), best.size()) / 3);
    return best_d <= limit ? best : std::string{};
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    const std::string m = closest_match(word, candidates);
    return m.empty() ? std::string{} : "did you mean '" + m + "'?";
}

std::int32_t parse_clock(std::string_view s) {
    const auto parts = split(trim(s), ':');
    if (parts.size() != 2 && parts.size() != 3)
        throw ParseError("expected a time HH:MM:SS, got '" + std::string(s) + "'");
    std::int64_t v[3] = {0, 0, 0};
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto p = parts[i];
        if (p.empty() || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
            throw ParseError("expected a time HH:MM:SS, got '" + std::string(s) + "'");
        v[i] = parse_int(p);
    }
    if (v[1] > 59 || v[2] > 59 || v[0] > 47)
        throw ParseError("time out of range (HH < 48, MM and SS < 60): '" + std::string(s) + "'");
    return static_cast<std::int32_t>(v[0] * 3600 + v[1] * 60 + v[2]);
}

std::string format_clock(std::int64_t seconds) {
    const bool neg = seconds < 0;
    if (neg) seconds = -seconds;
    return fmt::format("{}{:02}:{:02}:{:02}", neg ? "-" : "", seconds / 3600, seconds / 60 % 60, seconds % 60);
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string pad_right(std::string_view s, std::size_t width) {
    std::string out(s);
    if (out.size() < width) out.append(width - out.size(), ' ');
    return out;
}

std::string pad_left(std::string_view s, std::size_t width) {
    std::string out(s.size() < width ? width - s.size() : 0, ' ');
    out += s;
    return out;
}

std::string format_duration(double seconds) {
    const auto s = static_cast<std::int64_t>(seconds < 0 ? 0 : seconds + 0.5);
    if (s < 60) return fmt::format("{} s", s);
    if (s < 3600) return fmt::format("{} min {:02} s", s / 60, s % 60);
    const std::int64_t minutes = (s + 30) / 60;
    return fmt::format("{} h {:02} min", minutes / 60, minutes % 60);
}

double parse_double(std::string_view s) {
    s = trim(s);
    double v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
        throw ParseError("expected a number, got '" + std::string(s) + "'");
    return v;
}

std::int64_t parse_int(std::string_view s) {
    s = trim(s);
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size())
        throw ParseError("expected a whole number, got '" + std::string(s) + "'");
    return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t p = s.find(sep, start);
        if (p == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, p - start));
        start = p + 1;
    }
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

}  // namespace flemsim::core
