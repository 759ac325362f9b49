#pragma once
// Small text helpers: suggestions for misspelt names, clock times, number parsing.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flemsim::core {

std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is a plausible misspelling, else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// "did you mean 'x'?" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// "HH:MM:SS" or "HH:MM" (hours may exceed 23) to seconds after midnight; throws ParseError.
std::int32_t parse_clock(std::string_view s);
// Seconds after midnight to "HH:MM:SS" (hours may exceed 23).
std::string format_clock(std::int64_t seconds);

// A duration for people: "42 s", "3 min 05 s", "2 h 07 min" (rounded to the second).
std::string format_duration(double seconds);

// Whole-string number parsing; throw ParseError with a readable message.
double parse_double(std::string_view s);
std::int64_t parse_int(std::string_view s);

// `s` with spaces after (pad_right) or before (pad_left) it up to `width` bytes, as printf's
// %-*s and %*s pad: fmt pads by characters, which moves columns after a name with "ö" or "±".
// Text for HTML and SVG: & < > " ' as entities.
std::string html_escape(std::string_view text);

std::string pad_right(std::string_view s, std::size_t width);
std::string pad_left(std::string_view s, std::size_t width);

std::vector<std::string_view> split(std::string_view s, char sep);
std::string_view trim(std::string_view s);

}  // namespace flemsim::core
